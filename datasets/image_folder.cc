#include "datasets/image_folder.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <unordered_map>

#include "core/error.h"
#include "core/json.h"

namespace tunas::datasets {

namespace fs = std::filesystem;

namespace {

bool is_image_name(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& ch : ext) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

ImageSet empty_on_disk_set(std::string name, std::string root, const ImageFolderOptions& options) {
  ImageSet set;
  set.name = std::move(name);
  set.channels = 3;
  set.on_disk = true;
  set.file_root = std::move(root);
  set.skip_corrupt = options.skip_corrupt;
  set.norm_mean.assign(kImageNetMean, kImageNetMean + 3);
  set.norm_std.assign(kImageNetStd, kImageNetStd + 3);
  return set;
}

// Class names found, widened to options.num_classes with never-used names.
void set_classes(ImageSet& set, std::vector<std::string> names, const ImageFolderOptions& options,
                 const std::string& where) {
  const int found = int(names.size());
  TUNAS_REQUIRE(found <= kMaxClasses, where, ": ", found, " classes, more than the ", kMaxClasses,
                " a data set may have");
  TUNAS_REQUIRE(options.num_classes == 0 || options.num_classes >= found, where, ": ", found,
                " classes found but num_classes is ", options.num_classes,
                " (0 = the classes found, or at least ", found, ")");
  for (int c = found; c < options.num_classes; ++c) names.push_back(str_cat("unused_", c));
  set.num_classes = int(names.size());
  set.class_names = std::move(names);
}

std::vector<fs::path> sorted_children(const fs::path& dir, bool directories) {
  std::vector<fs::path> out;
  try {
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
      if (directories ? e.is_directory() : !e.is_directory()) out.push_back(e.path());
    }
  } catch (const fs::filesystem_error& e) {
    throw Error(str_cat(dir.string(), ": cannot list the directory: ", e.code().message()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Image files under class_dir (recursively), sorted; counts the other files.
std::vector<std::string> list_class_images(const fs::path& class_dir, const fs::path& root,
                                           std::int64_t& ignored) {
  std::vector<std::string> files;
  try {
    for (const fs::directory_entry& e : fs::recursive_directory_iterator(
             class_dir, fs::directory_options::follow_directory_symlink)) {
      if (e.is_directory()) continue;
      if (is_image_name(e.path())) files.push_back(e.path().lexically_relative(root).string());
      else ++ignored;
    }
  } catch (const fs::filesystem_error& e) {
    throw Error(str_cat(class_dir.string(), ": cannot list the class folder: ", e.code().message()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

// One split folder; `known` (when not null) fixes the class indices by name (val/).
ImageSet list_split(const fs::path& split_dir, const std::string& name,
                    const std::vector<std::string>* known, const ImageFolderOptions& options) {
  ImageSet set = empty_on_disk_set(name, split_dir.string(), options);
  std::vector<std::string> classes;
  std::int64_t ignored = 0;
  const std::vector<fs::path> class_dirs = sorted_children(split_dir, true);
  TUNAS_REQUIRE(!class_dirs.empty(), split_dir.string(),
                ": no class folders (expected ", split_dir.string(), "/<class>/<image>.jpg)");
  // Before any class folder is listed: a wrong --data-dir (a photo archive, a home folder)
  // is refused at once, not after walking every folder below it.
  TUNAS_REQUIRE(class_dirs.size() <= std::size_t(kMaxClasses), split_dir.string(), ": ",
                class_dirs.size(), " class folders, more than the ", kMaxClasses,
                " classes a data set may have");
  std::unordered_map<std::string, int> known_label;  // val/: the training folder's labels
  if (known) {
    for (std::size_t i = 0; i < known->size(); ++i) known_label.emplace((*known)[i], int(i));
  }
  for (const fs::path& class_dir : class_dirs) {
    const std::string class_name = class_dir.filename().string();
    // Names go into result.json (a file list's names are digits and need no check).
    require_utf8(class_name, split_dir.string(), ": class '", class_name, "'");
    int label = int(classes.size());
    if (known) {
      const auto it = known_label.find(class_name);
      TUNAS_REQUIRE(it != known_label.end(), class_dir.string(), ": class '", class_name,
                    "' is not a class of the training folder");
      label = it->second;
    }
    classes.push_back(class_name);
    std::vector<std::string> files = list_class_images(class_dir, split_dir, ignored);
    TUNAS_REQUIRE(!files.empty(), class_dir.string(),
                  ": empty class folder (no .jpg, .jpeg or .png file); remove it or add images");
    for (std::string& f : files) {
      set.files.push_back(std::move(f));
      set.labels.push_back(label);
    }
  }
  for (const fs::path& f : sorted_children(split_dir, false)) {
    (void)f;
    ++ignored;  // files next to the class folders belong to no class
  }
  if (ignored > 0) {
    std::fprintf(stderr, "tunas: %s: ignored %lld files that are not .jpg/.jpeg/.png images in a "
                 "class folder\n", split_dir.string().c_str(), (long long)ignored);
  }
  if (known) set_classes(set, *known, {}, split_dir.string());
  else set_classes(set, std::move(classes), options, split_dir.string());
  return set;
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

ImageSet read_list(const fs::path& list, const std::string& name, const fs::path& root,
                   const ImageFolderOptions& options) {
  ImageSet set = empty_on_disk_set(name, root.string(), options);
  std::ifstream in(list);
  TUNAS_REQUIRE(in.good(), list.string(), ": cannot open the file list");
  std::string line;
  int max_label = -1;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    const std::size_t cut = text.find_last_of(" \t");
    TUNAS_REQUIRE(cut != std::string::npos, list.string(), ":", number,
                  ": expected 'path label', got '", text, "'");
    const std::string path = trim(text.substr(0, cut));
    const std::string label_text = text.substr(cut + 1);
    long label = -1;
    std::size_t used = 0;
    try {
      label = std::stol(label_text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    TUNAS_REQUIRE(used == label_text.size() && label >= 0 && label < kMaxClasses, list.string(),
                  ":", number, ": label '", label_text, "' must be an integer in [0, ",
                  kMaxClasses, ")");
    set.files.push_back(path);
    set.labels.push_back(std::int32_t(label));
    max_label = std::max(max_label, int(label));
  }
  TUNAS_REQUIRE(!set.files.empty(), list.string(), ": the file list names no image");
  std::vector<std::string> classes;
  classes.reserve(std::size_t(max_label + 1));
  for (int c = 0; c <= max_label; ++c) classes.push_back(std::to_string(c));
  set_classes(set, std::move(classes), options, list.string());
  return set;
}

void require_directory(const fs::path& dir, const char* what) {
  std::error_code ec;
  TUNAS_REQUIRE(fs::is_directory(dir, ec), dir.string(), ": no such directory (", what, ")");
}

}  // namespace

Dataset load_image_folder(const std::string& dir, const ImageFolderOptions& options) {
  const fs::path root(dir);
  require_directory(root, "--data imagefolder expects DIR/train/<class>/<image>");
  require_directory(root / "train", "an image folder needs a train/ folder of class folders");
  Dataset data;
  data.train = list_split(root / "train", "imagefolder/train", nullptr, options);
  std::error_code ec;
  if (fs::is_directory(root / "val", ec)) {
    data.test = list_split(root / "val", "imagefolder/val", &data.train.class_names, options);
  } else {
    data.test = empty_on_disk_set("imagefolder/val", (root / "val").string(), options);
    data.test.num_classes = data.train.num_classes;
    data.test.class_names = data.train.class_names;
  }
  return data;
}

Dataset load_image_list(const std::string& dir, const ImageFolderOptions& options) {
  const fs::path root(dir);
  require_directory(root, "--data filelist expects DIR/train.txt");
  TUNAS_REQUIRE(fs::exists(root / "train.txt"), (root / "train.txt").string(),
                ": no such file (a file list needs train.txt with 'path label' lines)");
  Dataset data;
  data.train = read_list(root / "train.txt", "filelist/train", root, options);
  if (fs::exists(root / "val.txt")) {
    ImageFolderOptions val_options = options;
    val_options.num_classes = data.train.num_classes;
    data.test = read_list(root / "val.txt", "filelist/val", root, val_options);
    data.test.class_names = data.train.class_names;
  } else {
    data.test = empty_on_disk_set("filelist/val", root.string(), options);
    data.test.num_classes = data.train.num_classes;
    data.test.class_names = data.train.class_names;
  }
  return data;
}

}  // namespace tunas::datasets
