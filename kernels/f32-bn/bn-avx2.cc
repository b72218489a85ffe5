// AVX2+FMA chunk kernels for kernels/f32-bn (compiled with tunas_avx2_sources(); used only
// when tunas::cpu_has(Isa::avx2)). Contracts in bn-chunk.h.
//
// Reductions walk a chunk's rows once per channel tile of NV vectors (8 channels each), so
// the accumulators stay in registers; the chunk (<= kChunkRows rows) is still in L1/L2 when
// the next tile or the centred second sweep reads it. A channel tail (< 8) is read with
// masked loads and never written past `channels`.
#include <immintrin.h>

#include "kernels/f32-activation/activation-avx2.h"
#include "kernels/f32-bn/bn-chunk.h"

namespace tunas::kernels::bn_detail {

namespace {

template <bool kMasked>
inline __m256 load(const float* p, __m256i mask) {
  if constexpr (kMasked) {
    return _mm256_maskload_ps(p, mask);
  } else {
    return _mm256_loadu_ps(p);
  }
}

template <bool kMasked>
inline void store(float* p, __m256 v, int tail) {
  if constexpr (kMasked) {
    avx2::store_tail(p, v, tail);
  } else {
    _mm256_storeu_ps(p, v);
  }
}

// Calls f.template operator()<NV, kMasked>(c0) over channel tiles: tiles of kMaxNV vectors,
// one tile of the remaining whole vectors, then a masked tile for the last channels % 8.
template <int kMaxNV, class F>
inline void for_each_tile(int channels, F&& f) {
  int c0 = 0;
  for (; c0 + 8 * kMaxNV <= channels; c0 += 8 * kMaxNV) f.template operator()<kMaxNV, false>(c0);
  const int whole = (channels - c0) / 8;
  if constexpr (kMaxNV > 3) {
    if (whole == 3) f.template operator()<3, false>(c0);
  }
  if constexpr (kMaxNV > 2) {
    if (whole == 2) f.template operator()<2, false>(c0);
  }
  if (whole == 1) f.template operator()<1, false>(c0);
  c0 += 8 * whole;
  if (c0 < channels) f.template operator()<1, true>(c0);
}

void moments(std::int64_t rows, int channels, const float* src, std::int64_t src_stride,
             float* pivot, float* dsum, float* sqsum) {
  const int tail = channels & 7;
  const __m256i mask = avx2::tail_mask(tail);
  const __m256 inv_rows = _mm256_set1_ps(1.f / float(rows));
  for_each_tile<4>(channels, [&]<int NV, bool kMasked>(int c0) {
    const float* x = src + c0;
    __m256 s[NV], a[NV], d[NV], q[NV];
    for (int v = 0; v < NV; ++v) s[v] = _mm256_setzero_ps();
    for (std::int64_t r = 0; r < rows; ++r) {
      for (int v = 0; v < NV; ++v) {
        s[v] = _mm256_add_ps(s[v], load<kMasked>(x + r * src_stride + 8 * v, mask));
      }
    }
    for (int v = 0; v < NV; ++v) {
      a[v] = _mm256_mul_ps(s[v], inv_rows);
      d[v] = _mm256_setzero_ps();
      q[v] = _mm256_setzero_ps();
    }
    for (std::int64_t r = 0; r < rows; ++r) {
      for (int v = 0; v < NV; ++v) {
        const __m256 t = _mm256_sub_ps(load<kMasked>(x + r * src_stride + 8 * v, mask), a[v]);
        d[v] = _mm256_add_ps(d[v], t);
        q[v] = _mm256_fmadd_ps(t, t, q[v]);
      }
    }
    for (int v = 0; v < NV; ++v) {
      store<kMasked>(pivot + c0 + 8 * v, a[v], tail);
      store<kMasked>(dsum + c0 + 8 * v, d[v], tail);
      store<kMasked>(sqsum + c0 + 8 * v, q[v], tail);
    }
  });
}

template <Activation A>
void normalize(std::int64_t rows, int channels, float* dst, std::int64_t dst_stride,
               const float* src, std::int64_t src_stride, const float* scale,
               const float* shift) {
  const int tail = channels & 7;
  const __m256i mask = avx2::tail_mask(tail);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* x = src + r * src_stride;
    float* y = dst + r * dst_stride;
    int c = 0;
    for (; c + 8 <= channels; c += 8) {
      const __m256 z = _mm256_fmadd_ps(_mm256_loadu_ps(x + c), _mm256_loadu_ps(scale + c),
                                       _mm256_loadu_ps(shift + c));
      _mm256_storeu_ps(y + c, avx2::activation_value_ps<A>(z));
    }
    if (tail) {
      const __m256 z = _mm256_fmadd_ps(_mm256_maskload_ps(x + c, mask),
                                       _mm256_maskload_ps(scale + c, mask),
                                       _mm256_maskload_ps(shift + c, mask));
      avx2::store_tail(y + c, avx2::activation_value_ps<A>(z), tail);
    }
  }
}

template <Activation A>
void backward_sums(std::int64_t rows, int channels, const float* d_dst,
                   std::int64_t d_dst_stride, const float* src, std::int64_t src_stride,
                   const Coefficients& k, float* sum_dz, float* sum_dz_xhat) {
  const int tail = channels & 7;
  const __m256i mask = avx2::tail_mask(tail);
  for_each_tile<2>(channels, [&]<int NV, bool kMasked>(int c0) {
    __m256 scale[NV], shift[NV], mean[NV], inv_std[NV], sd[NV], sdx[NV];
    for (int v = 0; v < NV; ++v) {
      scale[v] = load<kMasked>(k.scale + c0 + 8 * v, mask);
      shift[v] = load<kMasked>(k.shift + c0 + 8 * v, mask);
      mean[v] = load<kMasked>(k.mean + c0 + 8 * v, mask);
      inv_std[v] = load<kMasked>(k.inv_std + c0 + 8 * v, mask);
      sd[v] = _mm256_setzero_ps();
      sdx[v] = _mm256_setzero_ps();
    }
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* x = src + r * src_stride + c0;
      const float* dy = d_dst + r * d_dst_stride + c0;
      for (int v = 0; v < NV; ++v) {
        const __m256 xv = load<kMasked>(x + 8 * v, mask);
        const __m256 z = _mm256_fmadd_ps(xv, scale[v], shift[v]);
        const __m256 dz = _mm256_mul_ps(load<kMasked>(dy + 8 * v, mask),
                                        avx2::activation_derivative_ps<A>(z));
        const __m256 xhat = _mm256_mul_ps(_mm256_sub_ps(xv, mean[v]), inv_std[v]);
        sd[v] = _mm256_add_ps(sd[v], dz);
        sdx[v] = _mm256_fmadd_ps(dz, xhat, sdx[v]);
      }
    }
    for (int v = 0; v < NV; ++v) {
      store<kMasked>(sum_dz + c0 + 8 * v, sd[v], tail);
      store<kMasked>(sum_dz_xhat + c0 + 8 * v, sdx[v], tail);
    }
  });
}

template <Activation A>
inline __m256 backward_value(__m256 x, __m256 dy, __m256 dx, const Coefficients& k, int c,
                             __m256i mask, bool masked) {
  const __m256 scale = masked ? _mm256_maskload_ps(k.scale + c, mask) : _mm256_loadu_ps(k.scale + c);
  const __m256 shift = masked ? _mm256_maskload_ps(k.shift + c, mask) : _mm256_loadu_ps(k.shift + c);
  const __m256 mean = masked ? _mm256_maskload_ps(k.mean + c, mask) : _mm256_loadu_ps(k.mean + c);
  const __m256 k_dz = masked ? _mm256_maskload_ps(k.k_dz + c, mask) : _mm256_loadu_ps(k.k_dz + c);
  const __m256 k_xs =
      masked ? _mm256_maskload_ps(k.k_xhat_s + c, mask) : _mm256_loadu_ps(k.k_xhat_s + c);
  const __m256 dz = _mm256_mul_ps(dy, avx2::activation_derivative_ps<A>(_mm256_fmadd_ps(x, scale, shift)));
  const __m256 t = _mm256_fnmadd_ps(_mm256_sub_ps(x, mean), k_xs, _mm256_sub_ps(dz, k_dz));
  return _mm256_fmadd_ps(scale, t, dx);
}

template <Activation A>
void backward_rows(std::int64_t rows, int channels, float* d_src, std::int64_t d_src_stride,
                   const float* d_dst, std::int64_t d_dst_stride, const float* src,
                   std::int64_t src_stride, const Coefficients& k) {
  const int tail = channels & 7;
  const __m256i mask = avx2::tail_mask(tail);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* x = src + r * src_stride;
    const float* dy = d_dst + r * d_dst_stride;
    float* dx = d_src + r * d_src_stride;
    int c = 0;
    for (; c + 8 <= channels; c += 8) {
      _mm256_storeu_ps(dx + c, backward_value<A>(_mm256_loadu_ps(x + c), _mm256_loadu_ps(dy + c),
                                                 _mm256_loadu_ps(dx + c), k, c, mask, false));
    }
    if (tail) {
      avx2::store_tail(dx + c,
                       backward_value<A>(_mm256_maskload_ps(x + c, mask),
                                         _mm256_maskload_ps(dy + c, mask),
                                         _mm256_maskload_ps(dx + c, mask), k, c, mask, true),
                       tail);
    }
  }
}

}  // namespace

const ChunkKernels& chunk_kernels_avx2() {
#define TUNAS_BN_ROW(fn)                                                                  \
  {fn<Activation::none>, fn<Activation::relu>, fn<Activation::relu6>, fn<Activation::hswish>, \
   fn<Activation::sigmoid>, fn<Activation::swish>}
  static const ChunkKernels kernels = {"avx2", moments, TUNAS_BN_ROW(normalize),
                                       TUNAS_BN_ROW(backward_sums), TUNAS_BN_ROW(backward_rows)};
#undef TUNAS_BN_ROW
  return kernels;
}

}  // namespace tunas::kernels::bn_detail
