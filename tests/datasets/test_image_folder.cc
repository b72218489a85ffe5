// Image folders and file lists: class indices from sorted folder names, image order, val/
// mapped by name, the 1001-class widening, and every layout error naming its path.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/error.h"
#include "datasets/image_folder.h"
#include "datasets/load.h"
#include "tests/datasets/dataset_files.h"
#include "tests/datasets/image_writers.h"

using namespace tunas;
using namespace tunas::datasets;

TEST_CASE("image folder: sorted class indices, sorted files, val by name") {
  test::TempDir dir;
  test::write_colour_folder(dir.file("train"), {"zebra", "ant", "moth"}, {2, 3, 1});
  test::write_colour_folder(dir.file("val"), {"moth", "zebra"}, {1, 2});
  // Nested images count; other files are ignored.
  test::write_bytes(dir.file("train/ant/more/deep.PNG"),
                    test::png_bytes(std::vector<std::uint16_t>(12, 7), 2, 2, 2 /*RGB*/, 8));
  test::write_bytes(dir.file("train/ant/notes.txt"), {'h', 'i'});
  test::write_bytes(dir.file("train/README"), {'h', 'i'});
  const Dataset data = load_image_folder(dir.path());
  const ImageSet& train = data.train;
  CHECK(train.on_disk);
  CHECK(train.channels == 3);
  CHECK(train.class_names == std::vector<std::string>{"ant", "moth", "zebra"});
  CHECK(train.num_classes == 3);
  CHECK(train.files == std::vector<std::string>{"ant/img0.jpg", "ant/img1.png", "ant/img2.jpg",
                                                "ant/more/deep.PNG", "moth/img0.jpg",
                                                "zebra/img0.jpg", "zebra/img1.png"});
  CHECK(train.labels == std::vector<std::int32_t>{0, 0, 0, 0, 1, 2, 2});
  CHECK(train.file(4) == dir.file("train") + "/moth/img0.jpg");
  train.validate();
  CHECK(data.test.class_names == train.class_names);
  CHECK(data.test.labels == std::vector<std::int32_t>{1, 2, 2});  // moth = 1, zebra = 2
  CHECK(train.norm_mean[0] == doctest::Approx(0.485 * 255));
  CHECK(train.norm_std[2] == doctest::Approx(0.225 * 255));

  SUBCASE("1001-style widening keeps the indices and adds unused classes") {
    const Dataset wide = load_dataset("imagefolder", dir.path(), DataOptions{0, 5, true});
    CHECK(wide.train.num_classes == 5);
    CHECK(wide.train.labels == train.labels);
    CHECK(wide.train.class_names[4] == "unused_4");
    CHECK(wide.test.num_classes == 5);
    CHECK_THROWS_WITH_AS(load_dataset("imagefolder", dir.path(), DataOptions{0, 2, true}),
                         doctest::Contains("3 classes found but num_classes is 2"), Error);
  }
  SUBCASE("subset and split keep files and labels together") {
    const std::vector<std::int32_t> pick = {6, 0};
    const ImageSet s = subset(train, pick, "picked");
    CHECK(s.files == std::vector<std::string>{"zebra/img1.png", "ant/img0.jpg"});
    CHECK(s.labels == std::vector<std::int32_t>{2, 0});
    CHECK(s.on_disk);
    CHECK_THROWS_WITH_AS(channel_stats(train), doctest::Contains("on disk"), Error);
  }
}

TEST_CASE("image folder layout errors name the path") {
  test::TempDir dir;
  CHECK_DATASET_ERROR(load_image_folder(dir.file("nowhere")), dir.file("nowhere"), "no such directory");
  CHECK_DATASET_ERROR(load_image_folder(dir.path()), dir.file("train"), "no such directory");
  std::filesystem::create_directories(dir.file("train"));
  CHECK_DATASET_ERROR(load_image_folder(dir.path()), dir.file("train"), "no class folders");
  test::write_colour_folder(dir.file("train"), {"cat", "dog"}, {1, 1});
  std::filesystem::create_directories(dir.file("train/empty_class"));
  test::write_bytes(dir.file("train/empty_class/readme.txt"), {'x'});
  CHECK_DATASET_ERROR(load_image_folder(dir.path()), dir.file("train/empty_class"), "empty class folder");
  std::filesystem::remove_all(dir.file("train/empty_class"));
  test::write_colour_folder(dir.file("val"), {"cow"}, {1});
  CHECK_DATASET_ERROR(load_image_folder(dir.path()), dir.file("val/cow"),
                      "is not a class of the training folder");
  std::filesystem::remove_all(dir.file("val"));
  CHECK(load_image_folder(dir.path()).test.size() == 0);  // val/ is optional
  // A class folder whose name is not UTF-8 (Latin-1 "caf\xe9"): refused at load, not after
  // the run when result.json is written.
  test::write_colour_folder(dir.file("train"), {"caf\xe9"}, {1});
  CHECK_DATASET_ERROR(load_image_folder(dir.path()), dir.file("train"), "not UTF-8 text (byte 0xe9 at offset 3)");
  CHECK_THROWS_WITH_AS(load_dataset("imagefolder", ""), doctest::Contains("needs a data directory"), Error);
}

TEST_CASE("image folder: more class folders than kMaxClasses are refused before any is listed") {
  test::TempDir dir;
  // Empty folders: were they listed, the first would be refused as an empty class instead.
  for (int c = 0; c <= kMaxClasses; ++c)
    std::filesystem::create_directories(dir.file("train/c" + std::to_string(c)));
  CHECK_DATASET_ERROR(load_image_folder(dir.path()), dir.file("train"),
                      "65537 class folders, more than the 65536 classes a data set may have");
  std::filesystem::remove_all(dir.file("train/c65536"));
  CHECK_DATASET_ERROR(load_image_folder(dir.path()), dir.file("train/c0"), "empty class folder");
}

TEST_CASE("file list: 'path label' lines, comments, paths with spaces, errors with file:line") {
  test::TempDir dir;
  test::write_bytes(dir.file("train.txt"),
                    std::vector<std::uint8_t>{});
  {
    std::string text = "# comment\n\nimages/a b.jpg 2\n/abs/x.png\t0\n  c.jpg   1  \n";
    test::write_bytes(dir.file("train.txt"), std::vector<std::uint8_t>(text.begin(), text.end()));
    std::string val = "v.jpg 1\n";
    test::write_bytes(dir.file("val.txt"), std::vector<std::uint8_t>(val.begin(), val.end()));
  }
  const Dataset data = load_image_list(dir.path());
  CHECK(data.train.files == std::vector<std::string>{"images/a b.jpg", "/abs/x.png", "c.jpg"});
  CHECK(data.train.labels == std::vector<std::int32_t>{2, 0, 1});
  CHECK(data.train.num_classes == 3);
  CHECK(data.train.file(0) == dir.path() + "/images/a b.jpg");
  CHECK(data.train.file(1) == "/abs/x.png");
  CHECK(data.test.labels == std::vector<std::int32_t>{1});
  CHECK(data.test.class_names == data.train.class_names);

  auto fails_with = [&](const std::string& text, const std::string& reason) {
    test::write_bytes(dir.file("train.txt"), std::vector<std::uint8_t>(text.begin(), text.end()));
    CHECK_DATASET_ERROR(load_image_list(dir.path()), dir.file("train.txt"), reason.c_str());
  };
  fails_with("a.jpg 0\nb.jpg\n", "train.txt:2: expected 'path label'");
  fails_with("a.jpg 0\nb.jpg -1\n", "train.txt:2: label '-1' must be an integer");
  fails_with("a.jpg cat\n", "train.txt:1: label 'cat'");
  fails_with("a.jpg 65536\n", "train.txt:1: label '65536' must be an integer in [0, 65536)");
  fails_with("# nothing\n", "names no image");
  std::string text = "a.jpg 0\n", val = "v.jpg 4\n";
  test::write_bytes(dir.file("train.txt"), std::vector<std::uint8_t>(text.begin(), text.end()));
  test::write_bytes(dir.file("val.txt"), std::vector<std::uint8_t>(val.begin(), val.end()));
  CHECK_DATASET_ERROR(load_image_list(dir.path()), dir.file("val.txt"), "5 classes found but num_classes is 1");
  std::filesystem::remove(dir.file("train.txt"));
  CHECK_DATASET_ERROR(load_image_list(dir.path()), dir.file("train.txt"), "no such file");
}
