#include "psml/allreduce/shared_memory_reduce.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <new>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"
#include "psml/core/finite.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/core/trace.hpp"

namespace psml::allreduce {
namespace {

constexpr std::size_t kLine = 64, kPage = 4096;
constexpr std::size_t kBlock = 4096;  // keys summed at a time: 16 KiB of sum, in L1

constexpr std::size_t round_up(std::size_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

}  // namespace

// In shared memory, written by its rank only; the counters on a cache line of their own.
struct SharedMemoryReduce::Header {
  alignas(kLine) std::atomic<std::int64_t> published{0};
  alignas(kLine) std::atomic<std::int64_t> summed{0};
  alignas(kLine) double loss = 0;
  std::int64_t rows = 0;
  std::int64_t global_step = 0;
  std::int64_t num_params = 0;
  std::int64_t stop = 0;
  // then mask_words_ words: bit r set when rank r's gradient is not finite in this rank's slice
};
static_assert(std::atomic<std::int64_t>::is_always_lock_free,
              "counters in shared memory must be lock-free");

SharedMemoryReduce::SharedMemoryReduce(const comm::Communicator& comm, std::size_t num_params,
                                       bool step_check)
    : comm_(comm),
      rank_(comm.rank()),
      ranks_(comm.size()),
      num_params_(num_params),
      step_check_(step_check),
      mask_words_((static_cast<std::size_t>(ranks_) + 63) / 64),
      header_bytes_(round_up(sizeof(Header) + mask_words_ * sizeof(std::uint64_t), kLine)),
      slot_bytes_(round_up(header_bytes_ + num_params * sizeof(float), kPage)) {
  // Slices of the sum start on cache lines (16 floats), so no two ranks write one line.
  const auto bound = [&](int r) {
    if (r == ranks_) return num_params_;
    return std::min(num_params_, num_params_ * static_cast<std::size_t>(r) /
                                     static_cast<std::size_t>(ranks_) / 16 * 16);
  };
  slice_begin_ = bound(rank_);
  slice_end_ = bound(rank_ + 1);
  const std::size_t sum_offset = static_cast<std::size_t>(ranks_) * slot_bytes_;
  segment_ = std::make_unique<comm::SharedSegment>(
      comm, sum_offset + round_up(std::max<std::size_t>(num_params, 1) * sizeof(float), kPage),
      "--allreduce mpi");
  new (&header(rank_)) Header;
  sum_ = reinterpret_cast<float*>(segment_->data() + sum_offset);
  for (int r = 0; r < ranks_; ++r) gradients_.push_back(slot_gradient(r));
  // Every rank's header exists before any rank reads one.
  comm_.barrier();
}

SharedMemoryReduce::~SharedMemoryReduce() = default;

SharedMemoryReduce::Header& SharedMemoryReduce::header(int rank) const {
  return *std::launder(
      reinterpret_cast<Header*>(segment_->data() + static_cast<std::size_t>(rank) * slot_bytes_));
}

std::uint64_t* SharedMemoryReduce::mask(int rank) const {
  return reinterpret_cast<std::uint64_t*>(reinterpret_cast<std::byte*>(&header(rank)) +
                                          sizeof(Header));
}

float* SharedMemoryReduce::slot_gradient(int rank) const {
  return reinterpret_cast<float*>(segment_->data() + static_cast<std::size_t>(rank) * slot_bytes_ +
                                  header_bytes_);
}

void SharedMemoryReduce::wait_all(bool summed) const {
  const auto reached = [&] {
    for (int r = 0; r < ranks_; ++r) {
      const auto& h = header(r);
      if ((summed ? h.summed : h.published).load(std::memory_order_acquire) < exchanges_)
        return false;
    }
    return true;
  };
  comm_.wait_until(reached, "the shared-memory gradient sum");
}

namespace {

// out[i] = a[i] + b[i], the sum written past the cache (non-temporal stores): it is read next by
// every rank's optimizer, long after, so a cached write would only first read each line in
// (a quarter of the pass's memory traffic). Returns whether every sum is finite, checked in
// registers (finite.hpp's test: an exponent of all ones). Pointers 64-byte aligned, n a
// multiple of 16.
bool add_streaming(float* __restrict out, const float* __restrict a, const float* __restrict b,
                   std::size_t n) {
#if defined(__AVX512F__)
  const __m512i exponent = _mm512_set1_epi32(0x7f800000);
  __mmask16 saturated = 0;
  for (std::size_t i = 0; i < n; i += 16) {
    const __m512 sum = _mm512_add_ps(_mm512_load_ps(a + i), _mm512_load_ps(b + i));
    _mm512_stream_ps(out + i, sum);
    saturated |=
        _mm512_cmpeq_epi32_mask(_mm512_and_si512(_mm512_castps_si512(sum), exponent), exponent);
  }
  return saturated == 0;
#elif defined(__AVX2__)
  const __m256i exponent = _mm256_set1_epi32(0x7f800000);
  __m256i saturated = _mm256_setzero_si256();
  for (std::size_t i = 0; i < n; i += 8) {
    const __m256 sum = _mm256_add_ps(_mm256_load_ps(a + i), _mm256_load_ps(b + i));
    _mm256_stream_ps(out + i, sum);
    saturated = _mm256_or_si256(
        saturated,
        _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(sum), exponent), exponent));
  }
  return _mm256_testz_si256(saturated, saturated) != 0;
#else
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
  return all_finite({out, n});
#endif
}

}  // namespace

void SharedMemoryReduce::sum_slice(std::uint64_t* non_finite) const {
  bool finite = true;
  for (std::size_t lo = slice_begin_; lo < slice_end_; lo += kBlock) {
    const std::size_t n = std::min(kBlock, slice_end_ - lo);
    float* __restrict out = sum_ + lo;
    const float* __restrict a = gradients_[0] + lo;
    if (ranks_ == 1) {
      std::copy_n(a, n, out);
    } else if (ranks_ == 2 && n % 16 == 0) {
      finite = add_streaming(out, a, gradients_[1] + lo, n) && finite;
      continue;
    } else {
      const float* __restrict b = gradients_[1] + lo;
      for (std::size_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
      for (int r = 2; r < ranks_; ++r) {
        const float* __restrict c = gradients_[static_cast<std::size_t>(r)] + lo;
        for (std::size_t i = 0; i < n; ++i) out[i] += c[i];
      }
    }
    finite = finite && all_finite({out, n});
  }
#if defined(__AVX2__) || defined(__AVX512F__)
  _mm_sfence();  // the streamed sum is visible before this rank says it has summed
#endif
  if (finite) return;
  // Rare: find whose gradient it was.
  for (int r = 0; r < ranks_; ++r)
    if (!all_finite(
            {gradients_[static_cast<std::size_t>(r)] + slice_begin_, slice_end_ - slice_begin_}))
      non_finite[r / 64] |= std::uint64_t{1} << (r % 64);
}

StepTotals SharedMemoryReduce::reduce(double local_loss, std::int64_t local_rows,
                                      std::int64_t global_step, bool stop) {
  ++exchanges_;
  auto& own = header(rank_);
  own.loss = local_loss;
  own.rows = local_rows;
  own.global_step = global_step;
  own.num_params = static_cast<std::int64_t>(num_params_);
  own.stop = stop ? 1 : 0;
  own.published.store(exchanges_, std::memory_order_release);
  const auto arrival = Clock::now();
  {
    trace::Scope span("wait");
    wait_all(false);
  }
  const std::chrono::duration<double> waited = Clock::now() - arrival;
  trace::Scope span("allreduce");
  // Only now has every rank finished reading the masks of the exchange before.
  std::uint64_t* own_mask = mask(rank_);
  std::fill_n(own_mask, mask_words_, 0);

  // Every header of this exchange stays as it is until every rank has summed.
  StepTotals totals;
  totals.wait_seconds = waited.count();
  bool in_step = true;
  for (int r = 0; r < ranks_; ++r) {
    const auto& h = header(r);
    totals.loss_sum += h.loss;
    totals.rows += h.rows;
    totals.stop = totals.stop || h.stop != 0;
    in_step = in_step && h.global_step == global_step && h.num_params == own.num_params;
  }
  // Every rank read the same headers, so all of them stop here, before anyone sums.
  if (step_check_ && !in_step) report_mismatch();

  sum_slice(own_mask);
  own.summed.store(exchanges_, std::memory_order_release);
  wait_all(true);
  int non_finite = 0;
  for (std::size_t w = 0; w < mask_words_; ++w) {
    std::uint64_t word = 0;
    for (int r = 0; r < ranks_; ++r) word |= mask(r)[w];
    non_finite += std::popcount(word);
  }
  totals.non_finite_ranks = non_finite;
  return totals;
}

void SharedMemoryReduce::report_mismatch() const {
  std::vector<std::pair<std::int64_t, std::int64_t>> seen;
  for (int r = 0; r < ranks_; ++r) seen.emplace_back(header(r).global_step, header(r).num_params);
  throw comm::CollectiveError(
      out_of_step_message(seen, "the global steps of their shared-memory gradient sums differ"),
      rank_ == 0);
}

}  // namespace psml::allreduce
