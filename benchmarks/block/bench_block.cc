// Block benchmark: one collapsed inverted bottleneck (1x1 expand + BN + ReLU6, depthwise k x k
// + BN + ReLU6, 1x1 project + BN; expansion x6, no SE, stride 1), one training step forward
// and backward with batch statistics, at batch 32 on MobileNetV2 shapes. Ours is the
// supernet's own Bottleneck node (supernet/graph.cc, every fusion it does included); the peer
// is the same block composed of oneDNN primitives in the same process: convolution (1x1 and
// depthwise, forward / backward-data / backward-weights), batch_normalization forward-training
// and backward (scale and shift), eltwise clip(0, 6) forward and backward.
//
//   tunas_bench_block [--quick] [--threads 1,2] [--filter SUBSTRING]
//
// Every row first runs both once on the same input, weights and output gradient and checks
// the output, the input gradient and every weight, gamma and beta gradient against oneDNN's;
// then times the best of alternating runs (>= 5 and 1 s per row; 2 with --quick). Ratio =
// oneDNN ms / ours ms (above 1: ours is faster); the cpu columns are the best process CPU
// times (ms, all threads summed), steadier than wall time on a loaded machine. oneDNN's weight layouts are chosen by the
// library (format any), reordered from ours once before timing (a tiny per-step cost in
// training that is not timed).
#include <omp.h>

#include <cstdio>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "benchmarks/bench_timing.h"
#include "core/cpu.h"
#include "core/threads.h"
#include "kernels/config.h"
#include "kernels/f32-bn/bn.h"
#include "supernet/graph.h"

namespace {

using namespace tunas;
using namespace tunas::bench;
using namespace tunas::supernet;
using namespace tunas::supernet::detail;
using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

struct Options {
  bool quick = false;
  std::vector<int> threads = {1, 2};
  std::string filter;
};

// ---- the oneDNN block ---------------------------------------------------------------------

struct DnnlContext {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  memory wrap(const memory::desc& md, const float* p) const {
    return memory(md, engine, const_cast<float*>(p));
  }
};

memory::desc nhwc(int n, int c, int h, int w) { return {{n, c, h, w}, dt::f32, tag::nhwc}; }

// A convolution with its three passes. Weights come from ours (user layout `user_tag`:
// hwio for a 1x1 [cin][cout] kernel, hwigo for a depthwise [k][k][C] one); diff weights go
// back to that layout on request.
struct DnnlConv {
  dnnl::convolution_forward fwd;
  dnnl::convolution_backward_data bwd_data;
  dnnl::convolution_backward_weights bwd_weights;
  memory w, w_bd, d_w, d_w_user;

  DnnlConv(DnnlContext& d, const memory::desc& src, const memory::desc& dst,
           const memory::dims& w_dims, tag user_tag, const float* user_w, float* user_d_w, int k) {
    const memory::dims strides = {1, 1}, pad = {k / 2, k / 2};
    const memory::desc w_any(w_dims, dt::f32, tag::any), w_user(w_dims, dt::f32, user_tag);
    const auto alg = dnnl::algorithm::convolution_direct;
    dnnl::convolution_forward::primitive_desc f_pd(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, alg, src, w_any, dst,
                                        strides, pad, pad),
        d.engine);
    dnnl::convolution_backward_data::primitive_desc bd_pd(
        dnnl::convolution_backward_data::desc(alg, src, w_any, dst, strides, pad, pad), d.engine,
        f_pd);
    dnnl::convolution_backward_weights::primitive_desc bw_pd(
        dnnl::convolution_backward_weights::desc(alg, src, w_any, dst, strides, pad, pad),
        d.engine, f_pd);
    fwd = dnnl::convolution_forward(f_pd);
    bwd_data = dnnl::convolution_backward_data(bd_pd);
    bwd_weights = dnnl::convolution_backward_weights(bw_pd);
    memory m_user = d.wrap(w_user, user_w);
    w = memory(f_pd.weights_desc(), d.engine);
    w_bd = memory(bd_pd.weights_desc(), d.engine);
    d_w = memory(bw_pd.diff_weights_desc(), d.engine);
    d_w_user = d.wrap(w_user, user_d_w);
    dnnl::reorder(m_user, w).execute(d.stream, m_user, w);
    dnnl::reorder(m_user, w_bd).execute(d.stream, m_user, w_bd);
    d.stream.wait();
  }
  void forward(DnnlContext& d, const memory& src, const memory& dst) {
    fwd.execute(d.stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, dst}});
  }
  void backward(DnnlContext& d, const memory& src, const memory& d_dst, const memory* d_src) {
    bwd_weights.execute(d.stream,
                        {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, d_dst}, {DNNL_ARG_DIFF_WEIGHTS, d_w}});
    if (d_src)
      bwd_data.execute(d.stream,
                       {{DNNL_ARG_DIFF_DST, d_dst}, {DNNL_ARG_WEIGHTS, w_bd}, {DNNL_ARG_DIFF_SRC, *d_src}});
  }
  void diff_weights_to_user(DnnlContext& d) {
    dnnl::reorder(d_w, d_w_user).execute(d.stream, d_w, d_w_user);
    d.stream.wait();
  }
};

// Batch normalisation with scale (gamma) and shift (beta), batch statistics.
struct DnnlBn {
  dnnl::batch_normalization_forward fwd;
  dnnl::batch_normalization_backward bwd;
  memory mean, variance, scale, shift, d_scale, d_shift;

  DnnlBn(DnnlContext& d, const memory::desc& data, const float* gamma, const float* beta,
         float* d_gamma, float* d_beta) {
    const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
    dnnl::batch_normalization_forward::primitive_desc f_pd(
        dnnl::batch_normalization_forward::desc(dnnl::prop_kind::forward_training, data,
                                                kernels::kBnEpsilon, flags),
        d.engine);
    dnnl::batch_normalization_backward::primitive_desc b_pd(
        dnnl::batch_normalization_backward::desc(dnnl::prop_kind::backward, data, data,
                                                 kernels::kBnEpsilon, flags),
        d.engine, f_pd);
    fwd = dnnl::batch_normalization_forward(f_pd);
    bwd = dnnl::batch_normalization_backward(b_pd);
    mean = memory(f_pd.mean_desc(), d.engine);
    variance = memory(f_pd.variance_desc(), d.engine);
    scale = d.wrap(f_pd.weights_desc(), gamma);
    shift = d.wrap(f_pd.weights_desc(), beta);
    d_scale = d.wrap(b_pd.diff_weights_desc(), d_gamma);
    d_shift = d.wrap(b_pd.diff_weights_desc(), d_beta);
  }
  void forward(DnnlContext& d, const memory& src, const memory& dst) {
    fwd.execute(d.stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCALE, scale},
                           {DNNL_ARG_SHIFT, shift}, {DNNL_ARG_MEAN, mean},
                           {DNNL_ARG_VARIANCE, variance}});
  }
  void backward(DnnlContext& d, const memory& src, const memory& d_dst, const memory& d_src) {
    bwd.execute(d.stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, d_dst},
                           {DNNL_ARG_MEAN, mean}, {DNNL_ARG_VARIANCE, variance},
                           {DNNL_ARG_SCALE, scale}, {DNNL_ARG_SHIFT, shift},  // 2.6 wants it
                           {DNNL_ARG_DIFF_SRC, d_src},
                           {DNNL_ARG_DIFF_SCALE, d_scale}, {DNNL_ARG_DIFF_SHIFT, d_shift}});
  }
};

// ReLU6 as eltwise clip(0, 6).
struct DnnlRelu6 {
  dnnl::eltwise_forward fwd;
  dnnl::eltwise_backward bwd;
  DnnlRelu6(DnnlContext& d, const memory::desc& data) {
    const auto alg = dnnl::algorithm::eltwise_clip;
    dnnl::eltwise_forward::primitive_desc f_pd(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, alg, data, 0.f, 6.f),
        d.engine);
    dnnl::eltwise_backward::primitive_desc b_pd(
        dnnl::eltwise_backward::desc(alg, data, data, 0.f, 6.f), d.engine, f_pd);
    fwd = dnnl::eltwise_forward(f_pd);
    bwd = dnnl::eltwise_backward(b_pd);
  }
  void forward(DnnlContext& d, const memory& src, const memory& dst) {
    fwd.execute(d.stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  }
  void backward(DnnlContext& d, const memory& src, const memory& d_dst, const memory& d_src) {
    bwd.execute(d.stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, d_dst}, {DNNL_ARG_DIFF_SRC, d_src}});
  }
};

// ---- one row -------------------------------------------------------------------------------

struct Shape {
  int hw, cin, e, cout, k;
};

struct Bench {
  Options opt;
  DnnlContext d;
  Rng rng{20261203, stream_id("bench_block")};
  std::vector<double> log_ratios[2];

  void run(const Shape& s, int batch) {
    const std::string name = str_cat(s.hw, "x", s.hw, " ", s.cin, "->", s.e, "->", s.cout, " k", s.k);
    if (!opt.filter.empty() && name.find(opt.filter) == std::string::npos) return;

    // Ours: the supernet's Bottleneck node, built as the supernet builds it.
    spaces::Space space;  // filters_base 8: E = scale_filters(cin, 6, 8) = 6 * cin here
    spaces::Layer layer;
    layer.kind = spaces::LayerKind::bottleneck;
    layer.path = "block";
    layer.source = "tunas_bench_block";
    layer.kernel_size.options = {s.k};
    layer.expansion.options = {spaces::Width{true, 6.0}};
    layer.use_se.options = {false};
    layer.activation = spaces::Activation::relu6;
    layer.shape.in_size = layer.shape.out_size = s.hw;
    layer.shape.max_in = s.cin;
    layer.shape.max_out = s.cout;
    layer.shape.max_expansion = s.e;
    layer.shape.out_width_decision = 0;
    ParameterStore store;
    Builder builder(space, store);
    std::unique_ptr<Node> node = builder.build_layer(layer, false);
    store.allocate();
    for (const ParameterInfo& p : store.infos()) {
      const bool gamma = p.name.size() >= 5 && p.name.compare(p.name.size() - 5, 5, "gamma") == 0;
      for (std::int64_t i = 0; i < p.size; ++i)
        store.values()[p.offset + i] = (gamma ? 1.f : 0.f) + 0.3f * (rng.uniform() * 2.f - 1.f);
    }
    std::vector<float> bn_stats(std::size_t(builder.bn_stats_size()), 0.f);
    Masks masks;
    std::vector<int> index_of{0}, width_of{s.cout};
    Workspace ws;
    Ctx ctx;
    ctx.ws = &ws;
    ctx.masks = &masks;
    ctx.index_of = index_of.data();
    ctx.width_of = width_of.data();
    ctx.w = store.values();
    ctx.g = store.grads();
    ctx.bn_stats = bn_stats.data();
    ctx.input_channels = s.cin;
    ctx.training = true;
    ctx.remat = RematPolicy::none;

    const std::size_t n_in = std::size_t(batch) * s.hw * s.hw * s.cin;
    const std::size_t n_out = std::size_t(batch) * s.hw * s.hw * s.cout;
    Buffer x(n_in, &rng), dy(n_out, &rng), dx(n_in), ref_y(n_out), ref_dx(n_in);
    const Act x_act{x.get(), batch, s.hw, s.hw, s.cin};
    const Act dx_act{dx.get(), batch, s.hw, s.hw, s.cin};
    Act y_act;
    const auto step = [&] {
      const std::size_t mark = ws.mark();
      y_act = node->forward(ctx, x_act, 1.f);
      node->backward(ctx, Act{dy.get(), y_act.n, y_act.h, y_act.w, y_act.c}, dx_act, 1.f);
      ws.rewind(mark);
    };
    // The arena of this block: planned by a sizing pass, as the supernet plans its own.
    ws.begin_sizing();
    ctx.sizing = true;
    step();
    const std::size_t bytes = ws.peak();
    ws.end_sizing();
    ctx.sizing = false;
    ws.reserve(bytes);

    // The peer, on the same data and parameters.
    const auto param = [&](const std::string& suffix) {
      const ParameterInfo* p = store.find("block/" + suffix);
      TUNAS_REQUIRE(p != nullptr, "tunas_bench_block: no parameter block/", suffix);
      return p->offset;
    };
    const std::string dw = str_cat("depthwise/k", s.k, "/");
    const std::int64_t we = param("expand/kernel"), wd = param(dw + "kernel"),
                       wp = param("project/kernel");
    const std::int64_t ge = param("expand/bn/gamma"), be = param("expand/bn/beta"),
                       gd = param(dw + "bn/gamma"), bd = param(dw + "bn/beta"),
                       gp = param("project/bn/gamma"), bp = param("project/bn/beta");
    const std::int64_t n_params = store.size();
    Buffer ref_g{std::size_t(n_params)};
    ref_g.zero();
    float* const w = store.values();
    float* const rg = ref_g.get();
    const memory::desc md_in = nhwc(batch, s.cin, s.hw, s.hw), md_e = nhwc(batch, s.e, s.hw, s.hw),
                       md_out = nhwc(batch, s.cout, s.hw, s.hw);
    // oneDNN fixes a primitive's thread count when it is created (OpenMP's max threads then),
    // so the peer block is built anew after set_threads for every thread count.
    struct PeerBlock {
      DnnlConv expand, depthwise, project;
      DnnlBn bn_e, bn_d, bn_p;
      DnnlRelu6 act_e, act_d;
    };
    const auto make_peer = [&] {
      return std::make_unique<PeerBlock>(PeerBlock{
          DnnlConv(d, md_in, md_e, {s.e, s.cin, 1, 1}, tag::hwio, w + we, rg + we, 1),
          DnnlConv(d, md_e, md_e, {s.e, 1, 1, s.k, s.k}, tag::hwigo, w + wd, rg + wd, s.k),
          DnnlConv(d, md_e, md_out, {s.cout, s.e, 1, 1}, tag::hwio, w + wp, rg + wp, 1),
          DnnlBn(d, md_e, w + ge, w + be, rg + ge, rg + be),
          DnnlBn(d, md_e, w + gd, w + bd, rg + gd, rg + bd),
          DnnlBn(d, md_out, w + gp, w + bp, rg + gp, rg + bp), DnnlRelu6(d, md_e),
          DnnlRelu6(d, md_e)});
    };
    std::unique_ptr<PeerBlock> pb;
    const std::size_t n_e = std::size_t(batch) * s.hw * s.hw * s.e;
    std::vector<Buffer> e_buffers;
    for (int i = 0; i < 6; ++i) e_buffers.emplace_back(n_e);
    Buffer z3(n_out), dz3(n_out);
    const memory m_x = d.wrap(md_in, x.get()), m_dx = d.wrap(md_in, ref_dx.get());
    const memory m_y = d.wrap(md_out, ref_y.get()), m_dy = d.wrap(md_out, dy.get());
    const memory m_z3 = d.wrap(md_out, z3.get()), m_dz3 = d.wrap(md_out, dz3.get());
    // E-wide tensors: z1 b1 y1 z2 b2 a; their gradients reuse the buffers once dead.
    std::vector<memory> m_e;
    for (Buffer& b : e_buffers) m_e.push_back(d.wrap(md_e, b.get()));
    Buffer g0(n_e), g1(n_e);
    const memory m_g0 = d.wrap(md_e, g0.get()), m_g1 = d.wrap(md_e, g1.get());
    const auto peer = [&] {
      auto& [expand, depthwise, project, bn_e, bn_d, bn_p, act_e, act_d] = *pb;
      const memory &z1 = m_e[0], &b1 = m_e[1], &y1 = m_e[2], &z2 = m_e[3], &b2 = m_e[4], &a = m_e[5];
      expand.forward(d, m_x, z1);
      bn_e.forward(d, z1, b1);
      act_e.forward(d, b1, y1);
      depthwise.forward(d, y1, z2);
      bn_d.forward(d, z2, b2);
      act_d.forward(d, b2, a);
      project.forward(d, a, m_z3);
      bn_p.forward(d, m_z3, m_y);
      bn_p.backward(d, m_z3, m_dy, m_dz3);
      project.backward(d, a, m_dz3, &m_g0);   // g0 = da
      act_d.backward(d, b2, m_g0, m_g1);      // g1 = d b2
      bn_d.backward(d, z2, m_g1, m_g0);       // g0 = d z2
      depthwise.backward(d, y1, m_g0, &m_g1); // g1 = d y1
      act_e.backward(d, b1, m_g1, m_g0);      // g0 = d b1
      bn_e.backward(d, z1, m_g0, m_g1);       // g1 = d z1
      expand.backward(d, m_x, m_g1, &m_dx);
      d.stream.wait();
    };

    // Correctness once: output, input gradient, every parameter gradient.
    set_threads(opt.threads.back());
    pb = make_peer();
    store.zero_grads();
    dx.zero();
    step();
    peer();
    for (DnnlConv* c : {&pb->expand, &pb->depthwise, &pb->project}) c->diff_weights_to_user(d);
    TUNAS_REQUIRE(y_act.size() == std::int64_t(n_out), "tunas_bench_block: output shape");
    check_equal("output", name, y_act.data, ref_y.get(), n_out, 1e-3);
    // Gradients by relative L2 error: where the two BN forwards round a pre-activation on
    // opposite sides of a ReLU6 kink (a few elements in millions), single elements differ
    // by the full upstream gradient, so an element-wise bound would test the rounding.
    check_close_l2("input gradient", name, dx.get(), ref_dx.get(), n_in, 1e-2);
    for (const ParameterInfo& p : store.infos())
      check_close_l2(p.name.c_str(), name, store.grads() + p.offset, ref_g.get() + p.offset,
                     std::size_t(p.size), 1e-2);

    for (int t : opt.threads) {
      set_threads(t);
      pb = make_peer();
      const Timing tm = time_pair(opt.quick ? 2 : 5, opt.quick ? 0.0 : 1.0, step, peer);
      const double ratio = tm.theirs_ms / tm.ours_ms;
      log_ratios[t > 1].push_back(std::log(ratio));
      std::printf("%-30s %2d  %9.2f %9.2f  %6.2fx  %9.2f %9.2f  %6.2fx  %8.1f\n", name.c_str(), t,
                  tm.ours_ms, tm.theirs_ms, ratio, tm.ours_cpu_ms, tm.theirs_cpu_ms,
                  tm.theirs_cpu_ms / tm.ours_cpu_ms, double(bytes) / (1 << 20));
      std::fflush(stdout);
    }
  }

  void set_threads(int t) {
    set_num_threads(t);
    omp_set_num_threads(t);
  }
};

// The options as given; --threads is a list, split by parse_thread_counts.
struct BlockBenchFlags {
  bool quick = false;
  std::string threads = "1,2", filter;
};

const OptionTable<BlockBenchFlags>& table() {
  using C = BlockBenchFlags;
  static const OptionTable<C> t({
      option("quick", &C::quick, "fewer repetitions (a smoke run)"),
      option("threads", &C::threads, "comma-separated thread counts, each in [1, 256]"),
      option("filter", &C::filter, "only rows whose block name contains this"),
  });
  return t;
}

int bench_main(int argc, char** argv) {
  BlockBenchFlags flags;
  if (!table().parse_tool(flags, argc, argv, "usage: tunas_bench_block [options]\n")) return 0;
  Bench b;
  b.opt.quick = flags.quick;
  b.opt.threads = parse_thread_counts(flags.threads, "option --threads");
  b.opt.filter = flags.filter;
  std::printf("tunas_bench_block: isa %s, hardware threads %d, oneDNN %d.%d (OpenMP), %s\n",
              isa_name(kernels::kernel_isa()), set_num_threads(0), dnnl_version()->major,
              dnnl_version()->minor, b.opt.quick ? "quick" : "full");
  std::printf("%-30s %2s  %9s %9s  %7s  %9s %9s  %7s  %8s\n", "block (batch 32, relu6)", "t",
              "ours ms", "dnnl ms", "ratio", "ours cpu", "dnnl cpu", "cpu rat", "arena MiB");
  const int batch = 32;
  for (const Shape& s : {Shape{56, 24, 144, 24, 3}, Shape{56, 24, 144, 24, 5},
                         Shape{56, 24, 144, 24, 7}, Shape{28, 32, 192, 32, 3},
                         Shape{14, 96, 576, 96, 3}, Shape{7, 160, 960, 160, 3}})
    b.run(s, batch);
  for (int i = 0; i < 2; ++i) {
    const auto& v = b.log_ratios[i];
    if (v.empty()) continue;
    double sum = 0;
    for (double l : v) sum += l;
    std::printf("geomean (%s): %.2fx vs the oneDNN-composed block over %zu rows\n",
                i ? "2+ threads" : "1 thread", std::exp(sum / double(v.size())), v.size());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return tunas::run_main("tunas_bench_block", bench_main, argc, argv); }
