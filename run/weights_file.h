// Weights files: the parameters of one stand-alone network (an architecture's path through a
// supernet, see supernet/path_weights.h), by tensor name, in the checkpoint container of
// run/checkpoint.h (atomic write, hashed, every error names the file).
//
// Sections: "format" = "tunas-weights-1"; "space" and "indices" (the architecture);
// "tensors" (JSON list of {"name", "shape"}); "tensor/<name>" (float32, row-major); optionally
// "bn_statistics/<bn prefix>" (moving mean then variance, float32).
// `tunas_arch export --run DIR --weights FILE` writes one; `tunas_train --init-weights FILE`
// starts from one.
#pragma once

#include <string>

#include "supernet/supernet.h"

namespace tunas::run {

// bn_statistics (optional, Supernet::bn_statistics() of the network `params` belong to):
// also writes each BN's moving statistics as "bn_statistics/<bn prefix>" ([mean C][var C]),
// which a stand-alone trained network has and a search's supernet path does not.
void write_weights_file(const std::string& path, const supernet::ParameterStore& params,
                        const std::string& space, const std::string& indices,
                        const float* bn_statistics = nullptr);

// Fills every tensor of `params` from the file. Throws tunas::Error naming the file when it is
// not a weights file, when its architecture differs from `indices` (unless `indices` is
// empty), or when a tensor is missing or of another size.
void read_weights_file(const std::string& path, supernet::ParameterStore& params,
                       const std::string& indices);

// Fills bn_statistics (laid out as supernet::bn_statistics_layout(params)) from the file's
// moving statistics. Returns false, touching nothing, when the file has none (a supernet
// path); throws tunas::Error naming the file when some BN is missing or of another size.
bool read_weights_bn_statistics(const std::string& path, const supernet::ParameterStore& params,
                                float* bn_statistics);

}  // namespace tunas::run
