// Weights files: the parameters of one stand-alone network (an architecture's path through a
// supernet, see supernet/path_weights.h), by tensor name, in the checkpoint container of
// search/checkpoint.h (atomic write, hashed, every error names the file).
//
// Sections: "format" = "tunas-weights-1"; "space" and "indices" (the architecture);
// "tensors" (JSON list of {"name", "shape"}); "tensor/<name>" (float32, row-major).
// `tunas_arch export --run DIR --weights FILE` writes one; `tunas_train --init-weights FILE`
// starts from one.
#pragma once

#include <string>

#include "supernet/supernet.h"

namespace tunas::search {

void write_weights_file(const std::string& path, const supernet::ParameterStore& params,
                        const std::string& space, const std::string& indices);

// Fills every tensor of `params` from the file. Throws tunas::Error naming the file when it is
// not a weights file, when its architecture differs from `indices` (unless `indices` is
// empty), or when a tensor is missing or of another size.
void read_weights_file(const std::string& path, supernet::ParameterStore& params,
                       const std::string& indices);

}  // namespace tunas::search
