// The weights of one architecture's path through a supernet, as the exact-width stand-alone
// network of that architecture (prune_space) holds them.
//
// Why this works by name: prune_space keeps every layer path, so each stand-alone tensor has
// the same name as the supernet tensor it comes from, and channel slicing (§3.4) means the
// stand-alone tensor is the leading prefix of the max-width one along every axis
// (conv HWIO [k][k][in][out], depthwise [k][k][C][1], vectors [C]).
#pragma once

#include "supernet/supernet.h"

namespace tunas::supernet {

// Copies, for every parameter of `standalone`, the prefix slice of the supernet parameter of
// the same name. Throws tunas::Error naming the tensor when one is missing from `supernet`,
// has another rank, or is smaller along some axis (then `standalone` is not a path of it).
void copy_path_weights(const ParameterStore& supernet, ParameterStore& standalone);

}  // namespace tunas::supernet
