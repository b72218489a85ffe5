// Kernel microbenchmark: depthwise k x k and 1x1 convolution, forward / backward-data /
// backward-weights, on MobileNetV2 shapes at batch 32, against oneDNN's own primitives in
// the same process (STYLE.md G19).
//
//   tunas_bench_kernels [--quick] [--json FILE] [--threads 1,2] [--filter SUBSTRING]
//
// Every row checks our result against oneDNN's once before timing. Times are the best of
// repeated runs, ours and oneDNN's alternating (>= 7 runs and 0.6 s per row; 2 with --quick). GFLOP/s counts 2 flops per
// multiply-add over all k*k taps (padding taps included, as oneDNN's benchdnn does); GB/s
// counts the compulsory traffic of OUR pass (every tensor read once, outputs written once,
// accumulated outputs read and written). oneDNN's backward passes overwrite their outputs,
// ours accumulate (+=), which costs us the extra read.
// roof = our GFLOP/s over the row's roofline bound min(FMA peak, triad bandwidth x GFLOP/GB),
// both limits measured at start for each thread count (benchmarks/roofline.h).
//
// Threads: ours run on TBB (tunas::set_num_threads); Debian's oneDNN 2.6 uses OpenMP
// (DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP), capped with omp_set_num_threads.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "benchmarks/bench_timing.h"
#include "benchmarks/roofline.h"
#include "core/cpu.h"
#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"
#include "core/threads.h"
#include "kernels/config.h"
#include "kernels/f32-conv/conv.h"
#include "kernels/f32-dwconv/dwconv.h"
#if __has_include("kernels/f32-conv1x1/conv1x1.h")
#include "kernels/f32-conv1x1/conv1x1.h"
#include "run/option_table.h"
#define TUNAS_BENCH_HAVE_CONV1X1 1
#endif

namespace {

using namespace tunas;
using namespace tunas::kernels;
using namespace tunas::bench;
using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

struct Options {
  bool quick = false;
  std::string json;
  std::vector<int> threads = {1, 2};
  std::string filter;
};

struct Row {
  std::string kernel, shape, pass, ukernel, onednn_impl;
  int threads = 1;
  double ms = 0, onednn_ms = 0, gflops = 0, gbps = 0, onednn_gflops = 0, ratio = 0;
  Isa isa = kernel_isa();  // the dispatch table timed
  double roofline = 0;  // gflops / min(FMA peak, triad bandwidth x flops / bytes)
};

struct Bench {
  Options opt;
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::vector<Row> rows;
  Rng rng{20200611, stream_id("bench_kernels")};
  std::vector<MachineLimits> limits;  // one per thread count, measured at start

  void measure_limits() {
    for (int t : opt.threads) {
      limits.push_back(measure_machine_limits(t));
      std::printf("machine limits, %d thread%s: AVX2 FMA peak %.1f GFLOP/s, triad %.1f GB/s\n",
                  t, t > 1 ? "s" : "", limits.back().fma_gflops, limits.back().triad_gbps);
    }
    std::fflush(stdout);
  }
  const MachineLimits& limits_for(int threads) const {
    for (const MachineLimits& m : limits)
      if (m.threads == threads) return m;
    throw Error(str_cat("tunas_bench_kernels: no machine limits for ", threads, " threads"));
  }

  int min_reps() const { return opt.quick ? 2 : 7; }
  double min_seconds() const { return opt.quick ? 0.0 : 0.6; }

  void set_threads(int t) {
    set_num_threads(t);
    omp_set_num_threads(t);
  }

  void print(const Row& r) {
    std::printf("%-8s %-26s %-12s %2d  %9.3f %9.3f  %8.1f %8.1f %7.1f  %6.2fx %5.0f%%  %s | %s\n",
                r.kernel.c_str(), r.shape.c_str(), r.pass.c_str(), r.threads, r.ms, r.onednn_ms,
                r.gflops, r.onednn_gflops, r.gbps, r.ratio, 100 * r.roofline, r.ukernel.c_str(),
                r.onednn_impl.c_str());
    std::fflush(stdout);
  }

  void add(Row r, double flops, double bytes) {
    r.gflops = flops / (r.ms * 1e6);
    r.onednn_gflops = flops / (r.onednn_ms * 1e6);
    r.gbps = bytes / (r.ms * 1e6);
    r.ratio = r.onednn_ms / r.ms;
    r.roofline = r.gflops / limits_for(r.threads).bound_gflops(flops, bytes);
    print(r);
    rows.push_back(r);
  }

  // ---- depthwise -------------------------------------------------------------------------
  void depthwise(int batch, int h, int w, int c, int k, int s) {
    const ConvGeometry g = same_conv_geometry(batch, h, w, k, s);
    const std::string shape = str_cat(h, "x", w, "x", c, " k", k, " s", s);
    if (!opt.filter.empty() && str_cat("dwconv ", shape).find(opt.filter) == std::string::npos)
      return;
    const size_t n_src = size_t(batch) * h * w * c, n_dst = size_t(batch) * g.out_h * g.out_w * c;
    const size_t n_w = size_t(k) * k * c;
    Buffer src(n_src, &rng), dst(n_dst), d_dst(n_dst, &rng), d_src(n_src), weight(n_w, &rng),
        d_weight(n_w);
    Buffer ref_dst(n_dst), ref_d_src(n_src), ref_w(n_w), ref_d_w(n_w), tmp(n_w);
    // oneDNN weights are goihw = [C][1][1][kh][kw]; ours [kh][kw][C].
    for (int ci = 0; ci < c; ++ci)
      for (int t = 0; t < k * k; ++t) ref_w.get()[size_t(ci) * k * k + t] = weight.get()[size_t(t) * c + ci];

    const int pad_bottom = std::max((g.out_h - 1) * s + k - h, 0) - g.pad_top;
    const int pad_right = std::max((g.out_w - 1) * s + k - w, 0) - g.pad_left;
    const memory::dims src_dims = {batch, c, h, w}, dst_dims = {batch, c, g.out_h, g.out_w};
    const memory::dims w_dims = {c, 1, 1, k, k}, strides = {s, s};
    const memory::dims pad_l = {g.pad_top, g.pad_left}, pad_r = {pad_bottom, pad_right};
    const memory::desc src_md(src_dims, dt::f32, tag::nhwc), dst_md(dst_dims, dt::f32, tag::nhwc);
    // Weights: oneDNN picks its own layout (tag any). An explicit goihw makes oneDNN 2.6 fall
    // back to its reference kernel (ref:any, ~0.1 GFLOP/s); its depthwise JIT kernels want
    // a blocked layout (Goihw16g/8g). The reorder from the user's goihw is a per-step cost
    // in training (weights change every step) but tiny (k*k*C floats): not timed here.
    const memory::desc w_user_md(w_dims, dt::f32, tag::goihw);
    const memory::desc w_md(w_dims, dt::f32, tag::any);
    // oneDNN fixes a primitive's thread count when it is created (OpenMP's max threads then):
    // the primitives are made anew after set_threads for every thread count.
    struct Primitives {
      dnnl::convolution_forward::primitive_desc fwd_pd;
      dnnl::convolution_backward_data::primitive_desc bwd_d_pd;
      dnnl::convolution_backward_weights::primitive_desc bwd_w_pd;
      dnnl::convolution_forward fwd;
      dnnl::convolution_backward_data bwd_d;
      dnnl::convolution_backward_weights bwd_w;
      memory m_w, m_w_bd, m_d_w;  // each primitive may choose a different weights layout
    };
    memory m_src(src_md, engine, src.get()), m_dst(dst_md, engine, ref_dst.get());
    memory m_d_dst(dst_md, engine, d_dst.get()), m_d_src(src_md, engine, ref_d_src.get());
    memory m_w_user(w_user_md, engine, ref_w.get()), m_d_w_user(w_user_md, engine, ref_d_w.get());
    const auto make_primitives = [&] {
      dnnl::convolution_forward::primitive_desc fwd_pd(
          dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                          dnnl::algorithm::convolution_direct, src_md, w_md,
                                          dst_md, strides, pad_l, pad_r),
          engine);
      dnnl::convolution_backward_data::primitive_desc bwd_d_pd(
          dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, src_md, w_md,
                                                dst_md, strides, pad_l, pad_r),
          engine, fwd_pd);
      dnnl::convolution_backward_weights::primitive_desc bwd_w_pd(
          dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, src_md,
                                                   w_md, dst_md, strides, pad_l, pad_r),
          engine, fwd_pd);
      Primitives p{fwd_pd,
                   bwd_d_pd,
                   bwd_w_pd,
                   dnnl::convolution_forward(fwd_pd),
                   dnnl::convolution_backward_data(bwd_d_pd),
                   dnnl::convolution_backward_weights(bwd_w_pd),
                   memory(fwd_pd.weights_desc(), engine),
                   memory(bwd_d_pd.weights_desc(), engine),
                   memory(bwd_w_pd.diff_weights_desc(), engine)};
      dnnl::reorder(m_w_user, p.m_w).execute(stream, m_w_user, p.m_w);
      dnnl::reorder(m_w_user, p.m_w_bd).execute(stream, m_w_user, p.m_w_bd);
      stream.wait();
      return p;
    };

    const double flops = 2.0 * batch * g.out_h * g.out_w * double(c) * k * k;
    const double b_src = 4.0 * n_src, b_dst = 4.0 * n_dst, b_w = 4.0 * n_w;

    // Correctness once, before timing (our backward passes accumulate into zeroed buffers).
    set_threads(opt.threads.back());
    Primitives dw = make_primitives();
    auto& [fwd_pd, bwd_d_pd, bwd_w_pd, fwd, bwd_d, bwd_w, m_w, m_w_bd, m_d_w] = dw;
    f32_dwconv_forward(g, c, dst.get(), c, src.get(), c, weight.get(), c);
    fwd.execute(stream, {{DNNL_ARG_SRC, m_src}, {DNNL_ARG_WEIGHTS, m_w}, {DNNL_ARG_DST, m_dst}});
    stream.wait();
    check_equal("forward", shape, dst.get(), ref_dst.get(), n_dst, 1e-4);
    f32_dwconv_backward_data(g, c, d_src.get(), c, d_dst.get(), c, weight.get(), c);
    bwd_d.execute(stream, {{DNNL_ARG_DIFF_DST, m_d_dst}, {DNNL_ARG_WEIGHTS, m_w_bd},
                           {DNNL_ARG_DIFF_SRC, m_d_src}});
    stream.wait();
    check_equal("backward_data", shape, d_src.get(), ref_d_src.get(), n_src, 1e-4);
    f32_dwconv_backward_weights(g, c, d_weight.get(), c, d_dst.get(), c, src.get(), c);
    bwd_w.execute(stream, {{DNNL_ARG_SRC, m_src}, {DNNL_ARG_DIFF_DST, m_d_dst},
                           {DNNL_ARG_DIFF_WEIGHTS, m_d_w}});
    stream.wait();
    dnnl::reorder(m_d_w, m_d_w_user).execute(stream, m_d_w, m_d_w_user);
    stream.wait();
    for (int ci = 0; ci < c; ++ci)
      for (int t = 0; t < k * k; ++t) tmp.get()[size_t(t) * c + ci] = ref_d_w.get()[size_t(ci) * k * k + t];
    check_equal("backward_weights", shape, d_weight.get(), tmp.get(), n_w, 1e-3);

    // Every ISA table this machine allows (allowed_isas(): scalar, avx2, avx512).
    for (int t : opt.threads) {
    set_threads(t);
    dw = make_primitives();
    for (Isa isa : allowed_isas()) {
      const DwconvUkernels& u = f32_dwconv_select(k, s, isa);
      Row r{"dwconv", shape, "fwd", u.forward_name, fwd_pd.impl_info_str(), t};
      r.isa = isa;
      Timing tm = time_pair(
          min_reps(), min_seconds(),
          [&] { f32_dwconv_forward_with(u, g, c, dst.get(), c, src.get(), c, weight.get(), c); },
          [&] {
            fwd.execute(stream,
                        {{DNNL_ARG_SRC, m_src}, {DNNL_ARG_WEIGHTS, m_w}, {DNNL_ARG_DST, m_dst}});
            stream.wait();
          });
      r.ms = tm.ours_ms, r.onednn_ms = tm.theirs_ms;
      add(r, flops, b_src + b_dst + b_w);

      r = Row{"dwconv", shape, "bwd_data", u.backward_data_name, bwd_d_pd.impl_info_str(), t};
      r.isa = isa;
      tm = time_pair(
          min_reps(), min_seconds(),
          [&] {
            f32_dwconv_backward_data_with(u, g, c, d_src.get(), c, d_dst.get(), c, weight.get(), c);
          },
          [&] {
            bwd_d.execute(stream, {{DNNL_ARG_DIFF_DST, m_d_dst}, {DNNL_ARG_WEIGHTS, m_w_bd},
                                   {DNNL_ARG_DIFF_SRC, m_d_src}});
            stream.wait();
          });
      r.ms = tm.ours_ms, r.onednn_ms = tm.theirs_ms;
      add(r, flops, 2 * b_src + b_dst + b_w);

      r = Row{"dwconv", shape, "bwd_weights", u.backward_weights_name, bwd_w_pd.impl_info_str(), t};
      r.isa = isa;
      tm = time_pair(
          min_reps(), min_seconds(),
          [&] {
            f32_dwconv_backward_weights_with(u, g, c, d_weight.get(), c, d_dst.get(), c, src.get(), c);
          },
          [&] {
            bwd_w.execute(stream, {{DNNL_ARG_SRC, m_src}, {DNNL_ARG_DIFF_DST, m_d_dst},
                                   {DNNL_ARG_DIFF_WEIGHTS, m_d_w}});
            stream.wait();
          });
      r.ms = tm.ours_ms, r.onednn_ms = tm.theirs_ms;
      add(r, flops, b_src + b_dst + 2 * b_w);
    }
    }
  }

  // ---- full k x k conv (the stem), forward and backward-weights, every ISA table ----------
  void stem(int batch, int h, int w, int cin, int cout, int k, int s) {
    const ConvGeometry g = same_conv_geometry(batch, h, w, k, s);
    const std::string shape = str_cat(h, "x", w, "x", cin, "->", cout, " k", k, " s", s);
    if (!opt.filter.empty() && str_cat("conv ", shape).find(opt.filter) == std::string::npos)
      return;
    const size_t n_src = size_t(batch) * h * w * cin, n_dst = size_t(batch) * g.out_h * g.out_w * cout;
    const size_t n_w = size_t(k) * k * cin * cout;
    Buffer src(n_src, &rng), dst(n_dst), d_dst(n_dst, &rng), weight(n_w, &rng), d_weight(n_w);
    Buffer ref_dst(n_dst), ref_d_w(n_w);
    const int pad_bottom = std::max((g.out_h - 1) * s + k - h, 0) - g.pad_top;
    const int pad_right = std::max((g.out_w - 1) * s + k - w, 0) - g.pad_left;
    const memory::desc src_md({batch, cin, h, w}, dt::f32, tag::nhwc);
    const memory::desc dst_md({batch, cout, g.out_h, g.out_w}, dt::f32, tag::nhwc);
    const memory::desc w_md({cout, cin, k, k}, dt::f32, tag::hwio);  // ours: [k][k][cin][cout]
    const memory::dims strides = {s, s}, pad_l = {g.pad_top, g.pad_left}, pad_r = {pad_bottom, pad_right};
    const auto alg = dnnl::algorithm::convolution_direct;
    memory m_src(src_md, engine, src.get()), m_dst(dst_md, engine, ref_dst.get());
    memory m_d_dst(dst_md, engine, d_dst.get()), m_w(w_md, engine, weight.get());
    memory m_d_w(w_md, engine, ref_d_w.get());
    // Made anew for every thread count (oneDNN fixes the thread count at creation).
    struct Primitives {
      dnnl::convolution_forward::primitive_desc fwd_pd;
      dnnl::convolution_backward_weights::primitive_desc bwd_w_pd;
      dnnl::convolution_forward fwd;
      dnnl::convolution_backward_weights bwd_w;
    };
    const auto make_primitives = [&] {
      dnnl::convolution_forward::primitive_desc f(
          dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, alg, src_md, w_md,
                                          dst_md, strides, pad_l, pad_r),
          engine);
      dnnl::convolution_backward_weights::primitive_desc b(
          dnnl::convolution_backward_weights::desc(alg, src_md, w_md, dst_md, strides, pad_l, pad_r),
          engine, f);
      return Primitives{f, b, dnnl::convolution_forward(f), dnnl::convolution_backward_weights(b)};
    };
    const auto run_fwd = [&](Primitives& p) {
      p.fwd.execute(stream, {{DNNL_ARG_SRC, m_src}, {DNNL_ARG_WEIGHTS, m_w}, {DNNL_ARG_DST, m_dst}});
      stream.wait();
    };
    const auto run_bwd_w = [&](Primitives& p) {
      p.bwd_w.execute(stream, {{DNNL_ARG_SRC, m_src}, {DNNL_ARG_DIFF_DST, m_d_dst},
                               {DNNL_ARG_DIFF_WEIGHTS, m_d_w}});
      stream.wait();
    };

    set_threads(opt.threads.back());
    Primitives prims = make_primitives();
    f32_conv_forward(g, cin, cout, dst.get(), cout, src.get(), cin, weight.get(), cout, cin * cout);
    run_fwd(prims);
    check_equal("conv forward", shape, dst.get(), ref_dst.get(), n_dst, 1e-4);
    d_weight.zero();
    f32_conv_backward_weights(g, cin, cout, d_weight.get(), cout, cin * cout, d_dst.get(), cout,
                              src.get(), cin);
    run_bwd_w(prims);
    check_equal("conv backward_weights", shape, d_weight.get(), ref_d_w.get(), n_w, 1e-3);

    const double flops = 2.0 * batch * g.out_h * g.out_w * double(cout) * k * k * cin;
    const double b_src = 4.0 * n_src, b_dst = 4.0 * n_dst, b_w = 4.0 * n_w;
    for (int t : opt.threads) {
      set_threads(t);
      prims = make_primitives();
      for (Isa isa : allowed_isas()) {
        Row r{"conv", shape, "fwd", str_cat("f32_conv_forward (", isa_name(isa), ")"),
              prims.fwd_pd.impl_info_str(), t};
        r.isa = isa;
        Timing tm = time_pair(
            min_reps(), min_seconds(),
            [&] {
              f32_conv_forward(isa, g, cin, cout, dst.get(), cout, src.get(), cin, weight.get(),
                               cout, cin * cout);
            },
            [&] { run_fwd(prims); });
        r.ms = tm.ours_ms, r.onednn_ms = tm.theirs_ms;
        add(r, flops, b_src + b_dst + b_w);
        r = Row{"conv", shape, "bwd_weights",
                str_cat("f32_conv_backward_weights (", isa_name(isa), ")"),
                prims.bwd_w_pd.impl_info_str(), t};
        r.isa = isa;
        tm = time_pair(
            min_reps(), min_seconds(),
            [&] {
              f32_conv_backward_weights(isa, g, cin, cout, d_weight.get(), cout, cin * cout,
                                        d_dst.get(), cout, src.get(), cin);
            },
            [&] { run_bwd_w(prims); });
        r.ms = tm.ours_ms, r.onednn_ms = tm.theirs_ms;
        add(r, flops, b_src + b_dst + 2 * b_w);
      }
    }
  }

#if TUNAS_BENCH_HAVE_CONV1X1
  // ---- 1x1 (against oneDNN matmul: dst[P][Cout] = src[P][Cin] * W[Cin][Cout]) ------------
  void pointwise(int batch, int h, int w, int cin, int cout) {
    const int64_t p = int64_t(batch) * h * w;
    const std::string shape = str_cat(h, "x", w, " ", cin, "->", cout);
    if (!opt.filter.empty() && str_cat("conv1x1 ", shape).find(opt.filter) == std::string::npos)
      return;
    Buffer src(size_t(p) * cin, &rng), dst(size_t(p) * cout), d_dst(size_t(p) * cout, &rng),
        d_src(size_t(p) * cin), weight(size_t(cin) * cout, &rng), d_weight(size_t(cin) * cout);
    Buffer ref_dst(size_t(p) * cout), ref_d_src(size_t(p) * cin), ref_d_w(size_t(cin) * cout);
    using dims = memory::dims;
    // Row-major [rows][cols] and its transpose view (strides {1, rows}).
    auto plain = [](int64_t r, int64_t c) { return memory::desc(dims{r, c}, dt::f32, dims{c, 1}); };
    auto transposed = [](int64_t r, int64_t c) {
      return memory::desc(dims{r, c}, dt::f32, dims{1, r});
    };
    // forward: src[P][Cin] * W[Cin][Cout]
    const memory::desc f_a = plain(p, cin), f_b = plain(cin, cout), f_c = plain(p, cout);
    // backward-data: d_dst[P][Cout] * W^T[Cout][Cin]
    const memory::desc d_a = plain(p, cout), d_b = transposed(cout, cin), d_c = plain(p, cin);
    // backward-weights: src^T[Cin][P] * d_dst[P][Cout]
    const memory::desc w_a = transposed(cin, p), w_b = plain(p, cout), w_c = plain(cin, cout);
    auto make = [&](const memory::desc& a, const memory::desc& b, const memory::desc& c) {
      return dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), engine);
    };
    // Made anew for every thread count (oneDNN fixes the thread count at creation).
    struct Matmuls {
      dnnl::matmul::primitive_desc f_pd, d_pd, w_pd;
      dnnl::matmul f_mm, d_mm, w_mm;
    };
    const auto make_matmuls = [&] {
      auto f = make(f_a, f_b, f_c), d = make(d_a, d_b, d_c), w = make(w_a, w_b, w_c);
      return Matmuls{f, d, w, dnnl::matmul(f), dnnl::matmul(d), dnnl::matmul(w)};
    };
    memory mf_a(f_a, engine, src.get()), mf_b(f_b, engine, weight.get()), mf_c(f_c, engine, ref_dst.get());
    memory md_a(d_a, engine, d_dst.get()), md_b(d_b, engine, weight.get()), md_c(d_c, engine, ref_d_src.get());
    memory mw_a(w_a, engine, src.get()), mw_b(w_b, engine, d_dst.get()), mw_c(w_c, engine, ref_d_w.get());
    auto run = [&](dnnl::matmul& mm, memory& a, memory& b, memory& c) {
      mm.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
      stream.wait();
    };

    set_threads(opt.threads.back());
    Matmuls mm = make_matmuls();
    auto& [f_pd, d_pd, w_pd, f_mm, d_mm, w_mm] = mm;
    f32_conv1x1_forward(p, cin, cout, dst.get(), cout, src.get(), cin, weight.get(), cout);
    run(f_mm, mf_a, mf_b, mf_c);
    check_equal("1x1 forward", shape, dst.get(), ref_dst.get(), dst.count, 1e-4);
    f32_conv1x1_backward_data(p, cin, cout, d_src.get(), cin, d_dst.get(), cout, weight.get(), cout);
    run(d_mm, md_a, md_b, md_c);
    check_equal("1x1 backward_data", shape, d_src.get(), ref_d_src.get(), d_src.count, 1e-4);
    f32_conv1x1_backward_weights(p, cin, cout, d_weight.get(), cout, d_dst.get(), cout, src.get(), cin);
    run(w_mm, mw_a, mw_b, mw_c);
    check_equal("1x1 backward_weights", shape, d_weight.get(), ref_d_w.get(), d_weight.count, 1e-3);

    const double flops = 2.0 * p * cin * cout;
    const double b_src = 4.0 * p * cin, b_dst = 4.0 * p * cout, b_w = 4.0 * cin * cout;
    for (int t : opt.threads) {
      set_threads(t);
      mm = make_matmuls();
      Row r{"conv1x1", shape, "fwd", "f32_conv1x1_forward", f_pd.impl_info_str(), t};
      {
        const Timing tm = time_pair(min_reps(), min_seconds(), [&] {
        f32_conv1x1_forward(p, cin, cout, dst.get(), cout, src.get(), cin, weight.get(), cout);
      }, [&] { run(f_mm, mf_a, mf_b, mf_c); });
        r.ms = tm.ours_ms, r.onednn_ms = tm.theirs_ms;
      }
      add(r, flops, b_src + b_dst + b_w);
      r = Row{"conv1x1", shape, "bwd_data", "f32_conv1x1_backward_data", d_pd.impl_info_str(), t};
      {
        const Timing tm = time_pair(min_reps(), min_seconds(), [&] {
        f32_conv1x1_backward_data(p, cin, cout, d_src.get(), cin, d_dst.get(), cout, weight.get(), cout);
      }, [&] { run(d_mm, md_a, md_b, md_c); });
        r.ms = tm.ours_ms, r.onednn_ms = tm.theirs_ms;
      }
      add(r, flops, 2 * b_src + b_dst + b_w);
      r = Row{"conv1x1", shape, "bwd_weights", "f32_conv1x1_backward_weights", w_pd.impl_info_str(), t};
      {
        const Timing tm = time_pair(min_reps(), min_seconds(), [&] {
        f32_conv1x1_backward_weights(p, cin, cout, d_weight.get(), cout, d_dst.get(), cout, src.get(), cin);
      }, [&] { run(w_mm, mw_a, mw_b, mw_c); });
        r.ms = tm.ours_ms, r.onednn_ms = tm.theirs_ms;
      }
      add(r, flops, b_src + b_dst + 2 * b_w);
    }
  }
#endif

  void summary() {
    for (const char* kernel : {"dwconv", "conv1x1", "conv"}) {
      for (int t : opt.threads) {
        double log_sum = 0, worst = 1e30;
        int n = 0;
        for (const Row& r : rows) {
          if (r.kernel != kernel || r.threads != t || r.isa != kernel_isa()) continue;
          log_sum += std::log(r.ratio), worst = std::min(worst, r.ratio), ++n;
        }
        if (n) {
          std::printf("geomean %-8s threads %d: %.2fx vs oneDNN over %d rows (worst %.2fx)\n",
                      kernel, t, std::exp(log_sum / n), n, worst);
        }
      }
    }
  }

  void write_json() {
    std::ofstream f(opt.json);
    TUNAS_REQUIRE(f.good(), "--json: cannot write '", opt.json, "'");
    f << "[\n";
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      f << "  {\"kernel\": \"" << r.kernel << "\", \"shape\": \"" << r.shape << "\", \"pass\": \""
        << r.pass << "\", \"threads\": " << r.threads << ", \"isa\": \"" << isa_name(r.isa)
        << "\", \"ukernel\": \"" << r.ukernel << "\", \"ms\": " << r.ms
        << ", \"gflops\": " << r.gflops << ", \"gbps\": " << r.gbps
        << ", \"onednn_impl\": \"" << r.onednn_impl << "\", \"onednn_ms\": " << r.onednn_ms
        << ", \"onednn_gflops\": " << r.onednn_gflops
        << ", \"ratio_vs_onednn\": " << r.ratio << ", \"roofline\": " << r.roofline << "}" << (i + 1 < rows.size() ? "," : "") << "\n";
    }
    f << "]\n";
  }
};

// The options as given; --threads is a list, split by parse_threads.
struct KernelBenchFlags {
  bool quick = false;
  std::string json, threads = "1,2", filter;
};

const OptionTable<KernelBenchFlags>& table() {
  using C = KernelBenchFlags;
  static const OptionTable<C> t({
      option("quick", &C::quick, "fewer repetitions (a smoke run)"),
      option("json", &C::json, "write the rows as JSON to this file"),
      option("threads", &C::threads, "comma-separated thread counts, each in [1, 256]"),
      option("filter", &C::filter, "only rows whose \"kernel shape\" contains this"),
  });
  return t;
}

int bench_main(int argc, char** argv) {
  KernelBenchFlags flags;
  if (!table().parse_tool(flags, argc, argv, "usage: tunas_bench_kernels [options]\n")) return 0;
  Bench b;
  b.opt.quick = flags.quick;
  b.opt.json = flags.json;
  b.opt.threads = parse_thread_counts(flags.threads, "option --threads");
  b.opt.filter = flags.filter;
  std::printf("tunas_bench_kernels: isa %s, hardware threads %d, oneDNN %d.%d (OpenMP), %s\n",
              isa_name(kernel_isa()), set_num_threads(0), dnnl_version()->major,
              dnnl_version()->minor, b.opt.quick ? "quick" : "full");
  TUNAS_REQUIRE(cpu_has(Isa::avx2), "tunas_bench_kernels: the roofline peak needs AVX2+FMA");
  b.measure_limits();
  std::printf("%-8s %-26s %-12s %2s  %9s %9s  %8s %8s %7s  %7s %6s  %s\n", "kernel", "shape", "pass",
              "t", "ours ms", "dnnl ms", "GFLOP/s", "dnnl GF", "GB/s", "ratio", "roof",
              "ukernel | oneDNN impl");
  std::fflush(stdout);
  const int batch = 32;
  b.depthwise(batch, 112, 112, 96, 3, 2);
  b.depthwise(batch, 56, 56, 144, 3, 1);
  b.depthwise(batch, 56, 56, 144, 5, 1);
  b.depthwise(batch, 56, 56, 144, 7, 1);
  b.depthwise(batch, 28, 28, 192, 3, 1);
  b.depthwise(batch, 28, 28, 192, 5, 1);
  b.depthwise(batch, 14, 14, 576, 7, 1);
  b.depthwise(batch, 7, 7, 960, 3, 1);
  // The stems of proxylessnas_search at 224 (batch 16 as the supernet benchmark) and of the
  // Fashion-MNIST proxy (32x32x1, batch 128).
  b.stem(16, 224, 224, 3, 32, 3, 2);
  b.stem(128, 32, 32, 1, 32, 3, 1);
#if TUNAS_BENCH_HAVE_CONV1X1
  b.pointwise(batch, 56, 56, 24, 144);
  b.pointwise(batch, 56, 56, 144, 24);
  b.pointwise(batch, 28, 28, 32, 192);
  b.pointwise(batch, 14, 14, 96, 576);
  b.pointwise(batch, 7, 7, 160, 960);
#else
  std::printf("conv1x1 rows skipped: kernels/f32-conv1x1/conv1x1.h not present\n");
#endif
  b.summary();
  if (!b.opt.json.empty()) b.write_json();
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return tunas::run_main("tunas_bench_kernels", bench_main, argc, argv); }
