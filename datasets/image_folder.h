// On-disk image sets: a folder of class folders (torchvision ImageFolder / ImageNet layout) or
// a list file of "path label" lines. Nothing is decoded here: the sets hold paths and labels
// (ImageSet::on_disk); BatchIterator streams and decodes them (image_stream.h).
//
// Image folder DIR:
//   DIR/train/<class>/... *.jpg|*.jpeg|*.png (any case, in sub-folders too)   required
//   DIR/val/<class>/...                                                         optional
// Class index = position of the class folder name in the sorted (byte order) list of train/'s
// sub-folders, so "n01440764" < "n01443537" gives ImageNet's usual indices. val/ uses train/'s
// indices by name (a val/ class folder unknown to train/ is an error; val/ may lack classes).
// Images are in class order, then sorted path order. Other files are ignored (and counted).
//
// File list DIR: DIR/train.txt and optionally DIR/val.txt, one "path label" per line (the
// label is the last whitespace-separated field, so paths may contain spaces; blank lines and
// lines starting with '#' are skipped). Relative paths start at DIR. Classes: 0 .. max label.
//
// num_classes > 0 widens the label space beyond the classes found (never-used extra logits):
// spec §0's 1001-class ImageNet encoding is num_classes = 1001 with 1000 class folders.
// Normalisation constants: ImageNet's (spec §0), mean (0.485, 0.456, 0.406) * 255 and std
// (0.229, 0.224, 0.225) * 255.
//
// Errors (tunas::Error naming the path, and file:line for lists): missing DIR or DIR/train,
// no class folder, a class folder without images, an unreadable directory, a val/ class not in
// train/, malformed or negative labels, num_classes smaller than the classes found.
#pragma once

#include <string>

#include "datasets/dataset.h"

namespace tunas::datasets {

struct ImageFolderOptions {
  int num_classes = 0;        // 0 = the classes found
  bool skip_corrupt = true;   // sets ImageSet::skip_corrupt (see image_stream.h)
};

// {train, test}: test is DIR/val (an empty set named "<...>/val" when there is none).
Dataset load_image_folder(const std::string& dir, const ImageFolderOptions& options = {});
Dataset load_image_list(const std::string& dir, const ImageFolderOptions& options = {});

// The ImageNet normalisation constants of spec §0, in pixel units.
inline constexpr float kImageNetMean[3] = {0.485f * 255, 0.456f * 255, 0.406f * 255};
inline constexpr float kImageNetStd[3] = {0.229f * 255, 0.224f * 255, 0.225f * 255};

}  // namespace tunas::datasets
