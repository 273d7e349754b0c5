// The context-mixing model. Per bit: each context's bit history (looked up in a
// hashed slot table once per nibble) is mapped to a probability by an adaptive
// StateMap; those, a match model and an order-0 map are stretched and mixed by a
// two-layer gated logistic mixer; APM stages refine the result.
#include "model/cm.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

#include <xxhash.h>
#include <zstd.h>
#include <cstdlib>
#include <array>
#include <cstring>
#include <vector>

#include "coder/arithmetic_coder.h"
#include "model/cm_components.h"
#include "model/cm_match.h"
#include "model/cm_signal.h"
#include "model/cm_state.h"
#include "model/cm_tables.h"

namespace lmzip {
namespace {

using cm::Apm;
using cm::BitHistory;
using cm::MatchModel;
using cm::Mixer;
using cm::Mixer16;
using cm::SlotTable;
using cm::StateMap;
using cm::Stretch;

// Log2 rows of the order-2 and last-two-bytes APMs at most (LevelConfig::apm_bits):
// 2^20 at level 9 coded Moby Dick 0.03% smaller, but its pages took 0.3 s more of
// system time and 100 MB more memory.
constexpr int kMaxApmBits = 18;

// The contexts a level may use. Each is a hash of some view of the past bytes.
enum class Context : uint8_t {
  kOrder1,
  kOrder2,
  kOrder3,
  kOrder4,
  kOrder5,
  kOrder6,
  kOrder7,
  kOrder8,
  kOrder12,
  kOrder16,
  kOrder24,
  kWord,          // the current word (letters only, case-folded) and the byte before it
  kWordPair,      // the current and the previous word
  kWordTriple,    // the current and two previous words
  kWordSkip,      // the current word and the word before the previous one
  kSparseSkip1,   // bytes 2-3 back
  kSparseSkip2,   // bytes 3-4 back
  kSparseGap,     // byte 1 and byte 3 back
  kSparseWide,    // bytes 2, 4 and 6 back
  kColumn,        // position in the line and the byte above it
  kIndirect1,     // byte 1 back and what followed its previous occurrences
  kIndirect2,     // bytes 1-2 back and what followed their previous occurrences
  kCharClasses,   // the classes (letter case, digit, space, punctuation) of the last 8 bytes, byte 1, and the word's case
  kNesting,       // whether inside quotes, the depth of brackets, the current word and its case
  // Samples (images: one byte per pixel in rows of a detected stride; audio: one
  // unsigned byte per sample). "above" is the byte one stride back.
  kImageNeighbours,  // the pixels left and above
  kImageGradient,    // left + above - above-left, and the local contrast
  kImageSmooth,      // the average of left and above-right, and above
  kAudioLinear,      // the linear extrapolation of the last two samples
  kAudioQuadratic,   // the extrapolation of the last three samples, and the last
};

struct LevelConfig {
  int table_bits;         // log2 bytes of the shared slot table
  int history_bits;       // log2 bytes of the match model's history
  int match_index_bits;   // log2 entries of the match model's position index
  int match_min_length;   // bytes that must repeat before the match model predicts
  std::vector<Context> contexts;
  bool extra_inputs;      // three inputs per context instead of one
  bool many_selectors;    // five first-layer mixer contexts instead of one
  int mixer_rate;         // mixer learning rate (1..64)
  bool order2_apm;        // hashed order-2 APM stage
  bool order1_apm = true;  // APM stages (order 0 and 1 without order2_apm; none when false)
  int level = 0;
  bool grow_match_index = true;  // false when the input's size is known
  bool run_inputs = false;  // with extra_inputs: the third input is the context's run vote
  bool last2_apm = false;  // an APM stage hashed by the last two bytes (with order2_apm)
  int long_match_length = 0;  // bytes of the match model's second index (0: none)
  // With many_selectors: the weight set by the previous byte has a row per previous
  // byte and bits of the current byte (not per bit position) while the input is not
  // a signal.
  bool byte_rows = false;
  // With many_selectors, while the input looks like text: each first-layer row learns
  // fast in its own first uses (BasicMixer::EnableRowDecay), and the order-1 and
  // last-two-bytes APMs learn at 2^-6 and 2^-5 (else 2^-7 and 2^-6).
  bool text_rates = false;
  // Orders (1..8) of the direct maps (cm::DirectMap): one input each, beside the
  // contexts' (none when empty), and log2 of each map's lines.
  std::vector<int> direct_orders{};
  int direct_line_bits = 0;
  // With many_selectors: the weight set by the known contexts also by how many of
  // them have seen only one bit value at this node (while the input is not a signal).
  bool deterministic_rows = false;
  // The match model's recovery (MatchModel): after a match of at least this many
  // bytes fails, it follows on past the failed byte (0: never).
  int match_recover_length = 0;
  // Log2 rows of the order-2 APM and of the one by the last two bytes.
  int apm_bits = 16;
  // With last2_apm, while the input looks like text: the order-1 APM's rows are
  // chosen by the match model's state too (MatchState), the final average weighs the
  // mixer and the order-1, order-2 and last-two-bytes APMs 1:2:2:3 (else 1:2:2:1),
  // and the order-2 APM learns at 2^-5 (else 2^-6). On any long input, the rows of
  // the last-two-bytes APM are chosen by the classes of bytes 3 and 4 too.
  bool text_apms = false;
  // With many_selectors, while the input is not a signal: the set by the bits of the
  // current byte also by the classes (ByteClass) of the last two bytes, and the set
  // by word length and class of byte 2 by those bits in place of the bit position;
  // the second layer's rows by the match model's state too, and the first layer's
  // rows learning faster in their first uses.
  bool class_rows = false;
};

// Contexts of sampled signals (images, audio): consulted only while the recent
// input does not look like text.
bool IsSignalContext(Context c) {
  return c == Context::kImageNeighbours || c == Context::kImageGradient ||
         c == Context::kImageSmooth || c == Context::kAudioLinear || c == Context::kAudioQuadratic;
}

using C = Context;

LevelConfig BaseConfig(int level) {
  switch (level) {
    case 1:
      return {22, 22, 20, 7,
              {C::kOrder2, C::kOrder4, C::kWord, C::kImageGradient, C::kAudioLinear},
              false, false, 2, false, false};
    case 2:
      return {23, 22, 20, 7,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder6, C::kWord,
               C::kImageGradient, C::kAudioLinear},
              false, false, 2, false};
    case 3:
      return {24, 23, 21, 7,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder6, C::kWord,
               C::kImageNeighbours, C::kImageGradient, C::kAudioLinear, C::kAudioQuadratic},
              false, true, 2, true};
    case 4:
      return {25, 24, 22, 6,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder5, C::kOrder6,
               C::kWord, C::kWordPair,
               C::kImageNeighbours, C::kImageGradient, C::kImageSmooth, C::kAudioLinear,
               C::kAudioQuadratic},
              false, true, 2, true};
    case 5:
      return {26, 24, 22, 6,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder5, C::kOrder6,
               C::kOrder8, C::kWord, C::kWordPair, C::kSparseSkip1,
               C::kImageNeighbours, C::kImageGradient, C::kImageSmooth, C::kAudioLinear,
               C::kAudioQuadratic},
              true, true, 2, true};
    case 6:
      return {27, 25, 23, 6,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder5, C::kOrder6,
               C::kOrder8, C::kWord, C::kWordPair, C::kWordSkip, C::kSparseSkip1, C::kIndirect1,
               C::kCharClasses, C::kNesting, C::kImageNeighbours, C::kImageGradient, C::kImageSmooth, C::kAudioLinear,
               C::kAudioQuadratic},
              true, true, 2, true};
    // Levels 7-9: level 6 with order 12 in place of bytes 2-3, and more memory for
    // larger inputs. (On Moby Dick, order 16 and the order-2 indirect context saved
    // 0.04% for a sixth more time; bytes 2-3 save 0.02% for 6% more time.) Levels
    // 6-9 take the order-1 indirect context in place of bytes 1 and 3 (version 14).
    case 7:
      return {27, 26, 24, 6,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder5, C::kOrder6,
               C::kOrder8, C::kOrder12, C::kWord, C::kWordPair, C::kWordSkip,
               C::kIndirect1, C::kCharClasses, C::kNesting,
               C::kImageNeighbours, C::kImageGradient, C::kImageSmooth, C::kAudioLinear,
               C::kAudioQuadratic},
              true, true, 2, true};
    case 8:
      return {28, 26, 24, 6,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder5, C::kOrder6,
               C::kOrder8, C::kOrder12, C::kWord, C::kWordPair, C::kWordSkip,
               C::kIndirect1, C::kCharClasses, C::kNesting,
               C::kImageNeighbours, C::kImageGradient, C::kImageSmooth, C::kAudioLinear,
               C::kAudioQuadratic},
              true, true, 2, true};
    default:
      return {29, 27, 25, 6,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder5, C::kOrder6,
               C::kOrder8, C::kOrder12, C::kWord, C::kWordPair, C::kWordSkip,
               C::kIndirect1, C::kCharClasses, C::kNesting,
               C::kImageNeighbours, C::kImageGradient, C::kImageSmooth, C::kAudioLinear,
               C::kAudioQuadratic},
              true, true, 2, true};
  }
}

LevelConfig ConfigFor(int level) {
  level = std::clamp(level, 1, 9);
  LevelConfig c = BaseConfig(level);
  c.level = level;
  // Levels 6-9: run votes, the APM by the last two bytes, a second match index of 16
  // bytes, rows by the previous byte and the current bits, the learning rates for text.
  c.run_inputs = c.last2_apm = c.byte_rows = c.text_rates = level >= 6;
  c.long_match_length = level >= 6 ? 16 : 0;
  // Levels 6-9: direct maps of orders 1-3, those of orders 1 and 3 in place of the
  // slot contexts of those orders (version 15); the set by known and deterministic
  // contexts; match recovery after 8 bytes.
  if (level >= 6) {
    c.direct_orders = {1, 2, 3};
    c.direct_line_bits = c.table_bits - 9;
    std::erase(c.contexts, C::kOrder1);
    std::erase(c.contexts, C::kOrder3);
    c.deterministic_rows = true;
    c.match_recover_length = 8;
    // Version 16: larger APMs (2^18 rows), weighed and learning as text prefers.
    c.apm_bits = std::clamp(c.table_bits - 9, 16, kMaxApmBits);
    c.text_apms = true;
    // Version 17: the word triple in place of order 6, and the weight sets by classes
    // and current bits (class_rows).
    std::replace(c.contexts.begin(), c.contexts.end(), C::kOrder6, C::kWordTriple);
    c.class_rows = true;
    // Levels 7-9: bytes 2-3 in place of the order-2 slot context, which the order-2
    // direct map covers (level 6 has bytes 2-3 already).
    if (std::find(c.contexts.begin(), c.contexts.end(), C::kSparseSkip1) == c.contexts.end()) {
      std::replace(c.contexts.begin(), c.contexts.end(), C::kOrder2, C::kSparseSkip1);
    }
  }
  return c;
}

// Smaller history and match index for inputs known to be short: the same predictions
// while the input fits, and far less memory to set up and copy.
constexpr uint64_t kMinRunInput = uint64_t{1} << 16;  // bytes

LevelConfig SizedConfig(LevelConfig c, uint64_t input_size) {
  if (input_size == 0) return c;
  int bits = 16;
  while (bits < c.history_bits && (uint64_t{1} << bits) < input_size + 1) ++bits;
  c.history_bits = std::min(c.history_bits, bits);
  // At most 64 bytes of slot table per input byte: beyond that a doubling costs more
  // time (the kernel zeroes every new page) than it saves bytes (Moby Dick at level 9:
  // 0.02% larger, 14% less time, 246 MB instead of 394 MB).
  c.table_bits = std::min(c.table_bits, std::max(bits + 6, 22));
  c.match_index_bits = std::min(c.match_index_bits, c.history_bits);
  c.grow_match_index = false;
  // Run votes pay once contexts have history: in short chunks the probability
  // itself is the better third input (2048-byte chunks of Moby Dick: 0.9% smaller).
  // The rows by previous byte and current bits are 12 MB to set up: too much for a
  // short input, which would train few of them. The indirect context learns what
  // follows each byte over many occurrences: in short chunks bytes 1 and 3 serve
  // better (2048-byte chunks of Moby Dick at level 6: 0.08% smaller).
  // The direct maps, the deterministic rows and the match recovery, likewise, pay on
  // long inputs only; short ones keep the slot contexts of orders 1 and 3. So do the
  // word triple and the rows by classes (version 17): short ones keep order 6 and
  // the sets as they were.
  c.direct_line_bits = std::min(c.direct_line_bits, c.history_bits - 1);
  if (input_size < kMinRunInput) {
    c.run_inputs = c.byte_rows = false;
    std::replace(c.contexts.begin(), c.contexts.end(), C::kIndirect1, C::kSparseGap);
    if (!c.direct_orders.empty()) {
      c.direct_orders.clear();
      c.contexts.insert(c.contexts.begin() + 1, C::kOrder3);
      c.contexts.insert(c.contexts.begin(), C::kOrder1);
    }
    c.deterministic_rows = false;
    c.match_recover_length = 0;
    c.apm_bits = 16;
    c.text_apms = false;
    std::replace(c.contexts.begin(), c.contexts.end(), C::kWordTriple, C::kOrder6);
    if (std::find(c.contexts.begin(), c.contexts.end(), C::kOrder2) == c.contexts.end()) {
      std::replace(c.contexts.begin(), c.contexts.end(), C::kSparseSkip1, C::kOrder2);
    }
    c.class_rows = false;
  }
  // No more APM rows than the input has bytes, and at least 2^16.
  c.apm_bits = std::max(16, std::min(c.apm_bits, c.history_bits));
  return c;
}

// Log2 of the lines of direct map j: config.direct_line_bits, and at most 14 (1 MiB)
// for order 1, which has at most 256 x 17 lines in use: spread over 2^20 lines, it
// touched a page for each (Moby Dick at -9: 0.2-0.5 s of system time zeroing pages,
// against 0.08 s, for 3 bytes). Orders 2 and 3 at 2^18 and 2^19 lines at -9 code
// sotu.txt 0.04% larger.
int DirectLineBits(const LevelConfig& c, int j) {
  constexpr int kOrder1LineBits = 14;
  return c.direct_orders[static_cast<size_t>(j)] == 1 ? std::min(c.direct_line_bits, kOrder1LineBits)
                                                       : c.direct_line_bits;
}

uint64_t Finalize(uint64_t h) {
  h ^= h >> 31;
  h *= 0x7fb5d329728ea185ull;
  h ^= h >> 27;
  h *= 0x81dadef4bc2dd44dull;
  h ^= h >> 33;
  return h;
}

uint64_t Combine(uint64_t a, uint64_t b) { return (a + 0x9e3779b97f4a7c15ull) * 0xff51afd7ed558ccdull ^ (b * 0xc4ceb9fe1a85ec53ull + 1); }

// Printable ASCII, tab, newline or carriage return.
bool IsAsciiText(int c) { return (c >= 32 && c < 127) || c == '\t' || c == '\n' || c == '\r'; }

bool IsWordByte(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 128; }

// 0: other punctuation and controls, 1: capital, 2: other letter (UTF-8 bytes too),
// 3: digit, 4: space, 5: newline, 6: end of sentence, 7: comma.
int ByteClass(int c) {
  if (c >= 'A' && c <= 'Z') return 1;
  if (IsWordByte(c)) return 2;
  if (c >= '0' && c <= '9') return 3;
  if (c == ' ') return 4;
  if (c == '\n') return 5;
  if (c == '.' || c == '!' || c == '?') return 6;
  return c == ',' ? 7 : 0;
}

// The classes of the last 8 bytes (3 bits each), after `byte`.
uint64_t NextClassHash(uint64_t class_hash, int byte) {
  return (class_hash << 3 | static_cast<uint64_t>(ByteClass(byte))) & 0xffffff;
}

// The nesting (bracket depth 0..15, plus 16 inside double quotes) after `byte`.
uint64_t NextNesting(uint64_t nesting, int byte) {
  if (byte == '(' || byte == '[') nesting = (nesting & 16) | ((nesting + 1) & 15);
  if ((byte == ')' || byte == ']') && (nesting & 15) != 0) --nesting;
  if (byte == '"') nesting ^= 16;
  return nesting;
}

// The case of the current word in text after the word transform: 0 (as written), 1
// (Capitalised) or 2 (ALL CAPS), after `byte`. The transform puts a flag byte before
// each Capitalised or ALL-CAPS word and lowers its letters; the case holds through the
// word and ends with it. `w0` is the current word's hash before `byte`; a flag that is
// -1 is unknown (input not transformed).
int NextWordCase(int word_case, int byte, uint64_t w0, int capital_flag, int upper_flag) {
  if (byte == capital_flag) return 1;
  if (byte == upper_flag) return 2;
  return !IsWordByte(byte) && w0 != 0 ? 0 : word_case;
}

// The hashes of the current word and the two before it (case folded), after `byte`.
void AdvanceWords(int byte, uint64_t* w0, uint64_t* w1, uint64_t* w2) {
  if (IsWordByte(byte)) {
    *w0 = Combine(*w0, static_cast<uint64_t>((byte >= 'A' && byte <= 'Z') ? byte + 32 : byte));
  } else if (*w0 != 0) {
    *w2 = *w1;
    *w1 = *w0;
    *w0 = 0;
  }
}

constexpr std::array<int, 6> kStrideCandidates = {32, 64, 128, 256, 512, 1024};

int Log2Bucket(int v) { return v == 0 ? 0 : 32 - __builtin_clz(static_cast<unsigned>(v)); }
constexpr int kMaxContexts = 28;
// The run table has one 4-byte entry per 16 bytes of slot table.
constexpr int kRunTableShift = 4;
constexpr int kSharedInputs = MatchModel::kInputs + 2;
constexpr int kWeightSets = 5;  // first-layer weight sets with many_selectors
// Rows of each first-layer weight set for bytes the signal model does not predict:
// match length x bit position, bits of the current byte, previous byte x bit
// position, known contexts, word length x class of byte 1 x bit position. Each set
// has as many rows again for the bytes it predicts (see PredictBit).
constexpr int kSetRows[kWeightSets] = {16 * 8, 256, 256 * 8, (kMaxContexts + 1) * 4, 8 * 8 * 8};
// With LevelConfig::byte_rows, the set by the previous byte has this many rows for
// bytes the signal model does not predict (previous byte x bits of the current byte).
constexpr int kByteSetRows = 256 * 256;
// With LevelConfig::text_rates: the first-layer rows' decay (EnableRowDecay: a row's
// rate starts at 13 times its final value and falls halfway in 512 of its updates),
// and the APM rates.
constexpr int kRowHalfLife = 512;
constexpr int kRowBoostExtra = 192;
// With LevelConfig::class_rows as well: a row's rate starts at 16 times its final
// value (the most EnableRowDecay allows).
constexpr int kClassRowBoostExtra = 239;
constexpr int kTextApmOrder1Rate = 6;
constexpr int kTextApmLast2Rate = 5;
// With LevelConfig::text_apms: the order-2 APM's rate, and the match states that
// choose the order-1 APM's rows (MatchState).
constexpr int kTextApmOrder2Rate = 5;
constexpr int kMatchStates = 7;
// Second-layer rows: current bits x class of byte 1 (with LevelConfig::class_rows, x
// the match model's state too, MatchState), then, for signals, bit position x where
// the better blend lies against the bits of the byte so far.
constexpr int kLayer2SignalRows = 8 * cm::SignalModel::kRelations;
int Layer2TextRows(const LevelConfig& c) { return c.class_rows ? 256 * 8 * kMatchStates : 256 * 8; }
// Order-1 APM rows: bits so far x byte 1 (x the match state, MatchState, with
// LevelConfig::text_apms).
size_t Order1ApmRows(const LevelConfig& c) { return size_t{65536} * (c.text_apms ? kMatchStates : 1); }
// Direct maps at most, their learning limit (StateMap::Adapt), and the first-layer
// rows of the weight set by known contexts with LevelConfig::deterministic_rows
// (known x deterministic, capped at 15, x bit position / 2).
constexpr int kMaxDirect = cm::DirectMaps::kMaxMaps;
constexpr int kDirectLimit = 1023;
constexpr int kDeterministicSetRows = (kMaxContexts + 1) * 16 * 4;
// With LevelConfig::class_rows, rows of the set by current bits (classes of the last
// two bytes x bits of the current byte) and of the set by word length (word length
// x class of byte 2 x bits of the current byte). The classes of three bytes (131,072
// rows, 16 MiB) coded text 0.2% smaller but missed the cache: 10% more time.
constexpr int kClassSetRows = 64 * 256;
constexpr int kWordBitsSetRows = 8 * 8 * 256;
constexpr int kMaxInputs = cm::PaddedInputs16(3 * kMaxContexts + kSharedInputs + kMaxDirect + cm::SignalModel::kInputs);

// With many selectors: weight set s's rows for bytes the signal model does not
// predict (kSetRows[s] more follow for those it does).
int TextSetRows(const LevelConfig& c, int s) {
  if (s == 1 && c.class_rows) return kClassSetRows;
  if (s == 4 && c.class_rows) return kWordBitsSetRows;
  if (s == 2 && c.byte_rows) return kByteSetRows;
  if (s == 3 && c.deterministic_rows) return kDeterministicSetRows;
  return kSetRows[s];
}

// The signal prior: starting weights of the first layer's rows for bytes the signal
// model predicts in weight set 4, whose rows are chosen by the better blend's error
// bucket and so differ for images and audio (the other sets' rows serve both, and a
// prior there that helps one costs the other). Learned offline from image and audio
// chunks (see MakeSignalPrior). One vector of kSignalPriorValues weights (units of
// 1/16384) per group of rows: the shared inputs, then one weight per kind of input
// shared by all text contexts, then each signal context's three inputs, then the
// signal model's inputs.
constexpr int kSignalPriorSet = 4;
constexpr int kSignalPriorGroups = 16;
constexpr int kSignalPriorContexts = 5;
constexpr int kSignalPriorValues = kSharedInputs + 3 + 3 * kSignalPriorContexts + cm::SignalModel::kInputs;
constexpr size_t kSignalPriorSize = size_t{kSignalPriorGroups} * kSignalPriorValues;
// The group (below kSignalPriorGroups) of row `row` of the prior's weight set's rows
// for signals: the bit position, plus 8 while the better blend is the audio one.
int SignalPriorGroup(int row) { return row % 8 + (row / 8 >= cm::SignalModel::kErrorBuckets ? 8 : 0); }

// kSignalPrior, made by MakeSignalPrior.
#include "model/cm_signal_prior.inc"

static_assert(sizeof(kSignalPrior) / sizeof(kSignalPrior[0]) == kSignalPriorSize,
              "the signal prior's shape disagrees with the model: make it again (docs/cm.md)");

class ContextMixingModel final : public Predictor {
 public:
  // `signal_prior`: start the first layer's signal rows from kSignalPrior (at levels
  // 5-9) rather than from uniform weights.
  ContextMixingModel(int level, uint64_t input_size, bool known_text = false, bool signal_prior = true)
      : known_text_(known_text),
        config_(SizedConfig(ConfigFor(level), input_size)),
        slots_(size_t{1} << config_.table_bits),
        match_(config_.history_bits, config_.match_index_bits, config_.match_min_length,
               config_.grow_match_index, config_.long_match_length, config_.match_recover_length),
        history_(size_t{1} << config_.history_bits),
        order0_(256, 1023),
        apm_order0_(256, 7),
        apm_signal_(cm::SignalModel::kApmContexts, 6),
        apm_distance_(cm::SignalModel::kDistanceContexts, 6),
        apm_order1_(config_.order1_apm ? Order1ApmRows(config_) : 1, 7),
        apm_order2_(config_.order2_apm ? size_t{1} << config_.apm_bits : 1, 6),
        apm_last2_(config_.last2_apm ? size_t{1} << config_.apm_bits : 1, 6),
        runs_(config_.run_inputs ? size_t{1} << (config_.table_bits - kRunTableShift) : 1) {
    // Signal contexts go last, so that while they rest the active inputs are a prefix.
    std::stable_partition(config_.contexts.begin(), config_.contexts.end(),
                          [](Context c) { return !IsSignalContext(c); });
    num_contexts_ = static_cast<int>(config_.contexts.size());
    num_signal_contexts_ = static_cast<int>(
        std::count_if(config_.contexts.begin(), config_.contexts.end(), IsSignalContext));
    num_text_contexts_ = num_contexts_ - num_signal_contexts_;
    inputs_per_context_ = config_.extra_inputs ? 3 : 1;
    run_mask_ = runs_.size() - 1;
    num_direct_ = std::min(static_cast<int>(config_.direct_orders.size()), kMaxDirect);
    {
      std::array<int, kMaxDirect> bits{};
      for (int j = 0; j < num_direct_; ++j) bits[j] = DirectLineBits(config_, j);
      direct_ = cm::DirectMaps(std::span<const int>(bits.data(), static_cast<size_t>(num_direct_)));
    }
    first_context_input_ = kSharedInputs + num_direct_;
    num_inputs_ = num_contexts_ * inputs_per_context_ + first_context_input_ + cm::SignalModel::kInputs;
    active_contexts_ = num_contexts_;
    const auto& bh = BitHistory();
    state_maps_.assign(static_cast<size_t>(num_contexts_) * 256, uint32_t{1} << 31);
    for (int s = 1; s < bh.used_states; ++s) {
      deterministic_[s] = bh.zeros[s] == 0 || bh.ones[s] == 0 ? -1 : 0;
      seen_[s] = static_cast<uint16_t>(1 + (deterministic_[s] & 256));
    }
    for (int i = 0; i < num_contexts_; ++i) {
      for (int s = 0; s < bh.used_states; ++s) {
        const int n0 = bh.zeros[s], n1 = bh.ones[s];
        state_maps_[static_cast<size_t>(i) * 256 + s] =
            static_cast<uint32_t>((4096 * (2 * n1 + 1)) / (2 * (n0 + n1) + 2)) << 20;
      }
    }
    // Weights of the inputs other than the signal model's start summing to 2: a
    // confident vote of agreeing inputs.
    const int init = 2 * Mixer16::kOne / (num_inputs_ - cm::SignalModel::kInputs);
    if (config_.many_selectors) {
      selectors_ = kWeightSets;
      for (int s = 0; s < kWeightSets; ++s) text_rows_[s] = TextSetRows(config_, s);
      for (int s = 0; s < kWeightSets; ++s) layer1_.emplace_back(num_inputs_, text_rows_[s] + kSetRows[s], init);
      if (config_.text_rates) {
        const int extra = config_.class_rows ? kClassRowBoostExtra : kRowBoostExtra;
        for (Mixer16& m : layer1_) m.EnableRowDecay(kRowHalfLife, extra);
      }
      layer2_text_rows_ = Layer2TextRows(config_);
      layer2_ = Mixer(selectors_, layer2_text_rows_ + kLayer2SignalRows, 65536 / selectors_);
      text_end_ = first_context_input_ + num_text_contexts_ * inputs_per_context_;
      const int signal_inputs = num_inputs_ - text_end_ + 1;
      signal_judge_ = Mixer16(signal_inputs, 8, 2 * Mixer16::kOne / signal_inputs);
      text_judge_ = Mixer16(text_end_ + 1, 8, 2 * Mixer16::kOne / (text_end_ + 1));
    } else {
      selectors_ = 1;
      layer1_.emplace_back(num_inputs_, 16 * 256, init);  // match length x current bits
    }
    {
      // The signal model's inputs start with small weights of their own (about 0.06),
      // so that text at the start of a chunk codes as it did without them.
      const int first = first_context_input_ + num_contexts_ * inputs_per_context_;
      const int w = Mixer16::kOne * 4000 / 65536;
      for (Mixer16& m : layer1_) {
        m.SetWeights(first, cm::SignalModel::kInputs, w);
      }
      // In the rows for signals the other inputs start at a quarter of their weight:
      // in a chunk of an image or of audio the text contexts are mostly noise, which
      // the mixer has too few bytes to learn away.
      if (config_.many_selectors) {
        for (int s = 0; s < kWeightSets; ++s) {
          layer1_[static_cast<size_t>(s)].SetWeightsInRows(text_rows_[s], text_rows_[s] + kSetRows[s], 0, first,
                                                           init / 4);
        }
      }
    }
    if (signal_prior && HasSignalRows()) SetSignalRows(kSignalPrior);
    slot_.fill(nullptr);
    for (int i = 0; i < num_contexts_; ++i) slot_base_[i] = slot_[i] = &empty_slot_[0];
    ok_ = TablesOk();
    NewByte();
  }

  bool ok() const { return ok_; }
  int level() const { return config_.level; }
  // Whether every table that may fail to allocate did allocate.
  bool TablesOk() const {
    return slots_.ok() && match_.ok() && history_.ok() && apm_order1_.ok() && apm_order2_.ok() && apm_last2_.ok() &&
           runs_.ok() && direct_.ok();
  }

  // Whether the first layer has the rows for signals that the signal prior fills.
  bool HasSignalRows() const {
    return config_.many_selectors && inputs_per_context_ == 3 && num_signal_contexts_ == kSignalPriorContexts;
  }
  // Writes `prior` (kSignalPriorSize weights, laid out as kSignalPrior) into every
  // row for signals of weight set kSignalPriorSet. REQUIRES: HasSignalRows().
  void SetSignalRows(const int16_t* prior) {
    cm::Mixer16& set = layer1_[kSignalPriorSet];
    for (int r = 0; r < kSetRows[kSignalPriorSet]; ++r) {
      const int16_t* v = prior + static_cast<size_t>(SignalPriorGroup(r)) * kSignalPriorValues;
      int16_t* w = set.weights_in_row(kSetRows[kSignalPriorSet] + r);
      for (int i = 0; i < num_inputs_; ++i) w[i] = v[SignalPriorIndex(i)];
    }
  }
  // Adds each row for signals of weight set kSignalPriorSet whose weights differ from
  // `prior` (as SetSignalRows wrote it; nullptr: every row) to `sums`
  // (kSignalPriorSize, as kSignalPrior; text contexts' inputs averaged by kind) and
  // counts it in `rows` (per group). REQUIRES: HasSignalRows().
  void SumChangedSignalRows(const int16_t* prior, std::vector<double>* sums, std::vector<int>* rows) const {
    const int text_inputs = 3 * num_text_contexts_;
    const cm::Mixer16& set = layer1_[kSignalPriorSet];
    for (int r = 0; r < kSetRows[kSignalPriorSet]; ++r) {
      const size_t group = static_cast<size_t>(SignalPriorGroup(r));
      const int16_t* v = prior == nullptr ? nullptr : prior + group * kSignalPriorValues;
      const int16_t* w = set.weights_in_row(kSetRows[kSignalPriorSet] + r);
      bool changed = prior == nullptr;
      for (int i = 0; i < num_inputs_ && !changed; ++i) changed = w[i] != v[SignalPriorIndex(i)];
      if (!changed) continue;
      ++(*rows)[group];
      double* sum = sums->data() + group * kSignalPriorValues;
      for (int i = 0; i < num_inputs_; ++i) {
        if (i >= kSharedInputs && i < first_context_input_) continue;  // direct maps: not in the prior
        const bool text = i >= first_context_input_ && i < first_context_input_ + text_inputs;
        sum[SignalPriorIndex(i)] += text ? static_cast<double>(w[i]) / num_text_contexts_ : w[i];
      }
    }
  }

  template <typename Archive>
  void Serialize(Archive& ar) {
    slots_.Serialize(ar);
    match_.Serialize(ar);
    const size_t history_size = history_.size();
    history_.Serialize(ar);
    if (Archive::kLoading && history_.size() != history_size) return ar.Fail("history size disagrees");
    order0_.Serialize(ar);
    ar.Vector(state_maps_, state_maps_.size());
    for (Mixer16& m : layer1_) m.Serialize(ar);
    layer2_.Serialize(ar);
    signal_judge_.Serialize(ar);
    text_judge_.Serialize(ar);
    ar.Pod(signal_judge_error_);
    ar.Pod(text_judge_error_);
    if (Archive::kLoading) {
      signal_judge_error_ = std::clamp(signal_judge_error_, 0, kJudgeErrorMax);
      text_judge_error_ = std::clamp(text_judge_error_, 0, kJudgeErrorMax);
    }
    apm_order0_.Serialize(ar);
    apm_signal_.Serialize(ar);
    apm_distance_.Serialize(ar);
    apm_order1_.Serialize(ar);
    apm_order2_.Serialize(ar);
    apm_last2_.Serialize(ar);
    const size_t runs_size = runs_.size();
    runs_.Serialize(ar);
    if (Archive::kLoading && runs_.size() != runs_size) return ar.Fail("run table size disagrees");
    direct_.Serialize(ar);
    ar.Bytes(indirect1_.data(), sizeof indirect1_);
    ar.Bytes(indirect2_.data(), sizeof indirect2_);
    ar.Pod(c1_);
    ar.Pod(c2_);
    ar.Pod(c8_);
    ar.Pod(pos_);
    ar.Pod(word0_);
    ar.Pod(word1_);
    ar.Pod(word2_);
    ar.Pod(class_hash_);
    ar.Pod(nesting_);
    ar.Pod(word_length_);
    ar.Pod(word_case_);
    ar.Pod(capital_flag_);
    ar.Pod(upper_flag_);
    ar.Pod(line_start_);
    ar.Pod(prev_line_start_);
    ar.Pod(stride_);
    ar.Bytes(stride_cost_.data(), sizeof stride_cost_);
    ar.Pod(printable_share_);
    ar.Pod(letter_share_);
    ar.Pod(space_share_);
    ar.Pod(active_contexts_);
    signal_.Serialize(ar);
    if (Archive::kLoading) {
      binary_start_ = pos_ <= 16 && StartLooksBinary();
      c1_ &= 255;
      class_hash_ &= 0xffffff;
      nesting_ &= 31;
      word_length_ = std::min(word_length_, 7);
      word_case_ = std::clamp(word_case_, 0, 2);
      capital_flag_ = std::clamp(capital_flag_, -1, 255);
      upper_flag_ = std::clamp(upper_flag_, -1, 255);
      c2_ &= 255;
      if (line_start_ > pos_) line_start_ = pos_;
      if (prev_line_start_ > line_start_) prev_line_start_ = line_start_;
      if (std::find(kStrideCandidates.begin(), kStrideCandidates.end(), stride_) == kStrideCandidates.end()) {
        stride_ = 64;
      }
      if (active_contexts_ != num_contexts_) active_contexts_ = num_text_contexts_;
      c0_ = 1;
      bit_pos_ = 0;
      order1_apm_row_ = Order1ApmContext(c0_, bit_pos_);
      for (int i = 0; i < kMaxContexts; ++i) slot_base_[i] = slot_[i] = &empty_slot_[0];
    }
  }

  // A deep copy: slot pointers are rebased onto the copy's own tables.
  std::unique_ptr<ContextMixingModel> Copy() const {
    auto copy = std::make_unique<ContextMixingModel>(*this);
    for (int i = 0; i < kMaxContexts; ++i) {
      copy->slot_base_[i] = Rebase(slot_base_[i], *copy);
      copy->slot_[i] = Rebase(slot_[i], *copy);
    }
    copy->ok_ = ok_ && copy->TablesOk();
    if (!copy->ok_) return nullptr;
    return copy;
  }

  std::unique_ptr<Predictor> Clone() const override { return Copy(); }
  bool CanClone() const override { return true; }

 private:
  // Where first-layer input `i` takes its weight in a vector of the signal prior.
  int SignalPriorIndex(int i) const {
    if (i < kSharedInputs) return i;
    if (i < first_context_input_) return kSharedInputs;  // a direct map: as a context's probability
    i -= num_direct_;
    const int text_inputs = 3 * num_text_contexts_;
    if (i < kSharedInputs + text_inputs) return kSharedInputs + (i - kSharedInputs) % 3;
    return i - text_inputs + 3;  // signal contexts, then the signal model's inputs
  }

  // `p` points into this model's slot table or its empty slot: the same place in `copy`.
  uint8_t* Rebase(uint8_t* p, ContextMixingModel& copy) const {
    const uint8_t* empty = empty_slot_.data();
    if (p >= empty && p < empty + empty_slot_.size()) return copy.empty_slot_.data() + (p - empty);
    const uint8_t* base = const_cast<SlotTable&>(slots_).base();
    if (base != nullptr && p >= base && p < base + slots_.table_bytes()) {
      return copy.slots_.base() + (p - base);
    }
    return copy.empty_slot_.data();  // stale: refreshed before its next use
  }

 public:

  // The whole state; REQUIRES: at a byte boundary.
  void Save(std::vector<uint8_t>* out) const {
    cm::StateWriter w(out);
    const_cast<ContextMixingModel*>(this)->Serialize(w);
  }
  // Restores a state saved by Save() from a model of the same level and version.
  Status Load(std::span<const uint8_t> state) {
    cm::StateReader r(state);
    Serialize(r);
    next_known_ = false;
    if (r.ok() && !r.at_end()) r.Fail("state has trailing bytes");
    if (!r.ok()) return Status::Corruption("context-mixing state: " + r.error());
    NewByte();
    return Status::Ok();
  }

  Granularity granularity() const override { return Granularity::kBit; }

  // Predicts the bit with both judges (x: the n inputs of the main mixer; the text
  // contexts' first); returns whether the text contexts' inputs should rest. n is
  // the same at every call (all contexts are active), so the padding of judge_x_
  // past what is copied stays zero.
  bool JudgeText(const int16_t* x, int n) {
    int16_t* signal_x = judge_x_.data();
    int16_t* text_x = signal_x + kJudgeTextOffset;
    std::copy(x + text_end_, x + n, signal_x);
    signal_x[n - text_end_] = 256;
    std::copy(x, x + text_end_, text_x);
    text_x[text_end_] = 256;
    signal_judge_.Mix(signal_x, bit_pos_);
    text_judge_.Mix(text_x, bit_pos_);
    return static_cast<int64_t>(signal_judge_error_) * 5 < static_cast<int64_t>(text_judge_error_) * 4;
  }

  uint32_t PredictBit() override {
    // Inputs: the match model, order 0 and a bias, then the contexts (text contexts
    // first, signal contexts last, so that the active inputs are a prefix).
    int16_t* x = inputs_.data();
    int match_inputs[MatchModel::kInputs];
    match_.Predict(c0_, bit_pos_, match_inputs);
    for (int i = 0; i < MatchModel::kInputs; ++i) x[i] = static_cast<int16_t>(match_inputs[i]);
    x[MatchModel::kInputs] = static_cast<int16_t>(Stretch(order0_.P(c0_)));
    x[MatchModel::kInputs + 1] = 256;
    int n = kSharedInputs;
    const int node = NibbleNode();
    if (num_direct_ > 0) {
      if (num_direct_ == 3) {
        direct_.Predict<3>(node, x + n);  // levels 6-9
      } else {
        direct_.Predict(node, x + n);
      }
      n += num_direct_;
    }
    int known = 0;
    const int num_contexts = active_contexts_;
    const uint32_t* maps = state_maps_.data();
    uint8_t* const* bases = slot_base_.data();
    uint8_t** slots = slot_.data();
    if (inputs_per_context_ == 3) {
      if (config_.run_inputs) {
        // Levels 6-9 on text: 12 contexts, in unrolled loops.
        known = num_contexts == kUnrolledContexts ? ContextInputs3<true, kUnrolledContexts>(x + n)
                                                  : ContextInputs3<true>(x + n);
      } else {
        known = ContextInputs3<false>(x + n);
      }
      n += 3 * num_contexts;
    } else {
      for (int i = 0; i < num_contexts; ++i, maps += 256) {
        uint8_t* slot = bases[i] + node;
        slots[i] = slot;
        const uint8_t state = *slot;
        x[n++] = static_cast<int16_t>(Stretch(static_cast<int>(maps[state] >> 20)));
        known += state != 0;
      }
    }
    known_ = known;
    // From the 16th byte on, once text would have been recognised, or from the 2nd
    // while the chunk's start does not look like text.
    signal_predicted_ = num_contexts == num_contexts_ && (pos_ >= 16 || (pos_ >= 2 && binary_start_));
    if (signal_predicted_) {
      signal_.Predict(c0_, bit_pos_, x + n);
      n += cm::SignalModel::kInputs;
    }
    judged_ = signal_predicted_ && selectors_ > 1;
    if (judged_ && JudgeText(x, n)) {
      for (int i = kSharedInputs; i < text_end_; ++i) x[i] = 0;
    }
    const int active = n;

    const int match_bucket = match_.LengthBucket();
    int st;
    if (selectors_ == 1) {
      st = layer1_[0].Mix(x, match_bucket * 256 + c0_, active);
    } else {
      // On images and audio the previous byte's high bits and the better signal
      // blend's error bucket choose two of the weight sets in place of the previous
      // byte and the word: a chunk is too short to train 2048 sets, and words mean
      // nothing there. Signals have rows of their own in every set.
      const bool signal = signal_predicted_;
      const int by_byte = signal ? (c1_ >> 4) * 8 + bit_pos_ : (config_.byte_rows ? c1_ * 256 + c0_ : c1_ * 8 + bit_pos_);
      const int by_bits = signal || !config_.class_rows ? c0_ : ClassRow(c0_);
      const int by_word = signal ? signal_.BetterBlendBucket() * 8 + bit_pos_
                          : config_.class_rows ? WordBitsRow(c0_)
                                               : (word_length_ * 8 + static_cast<int>(class_hash_ >> 3 & 7)) * 8 + bit_pos_;
      const int by_known = (signal || !config_.deterministic_rows ? known_ : known_ * 16 + std::min(deterministic_count_, 15)) * 4 +
                           (bit_pos_ >> 1);
      int selected[kWeightSets] = {match_bucket * 8 + bit_pos_, by_bits, by_byte, by_known, by_word};
      if (signal) {
        for (int s = 0; s < kWeightSets; ++s) selected[s] += text_rows_[s];
      }
      int16_t* rows[kWeightSets];
      for (int s = 0; s < kWeightSets; ++s) rows[s] = layer1_[s].Select(selected[s], active);
      const int lanes = layer1_[0].lanes();
      if (lanes % 16 == 0) {
        int32_t dots[kWeightSets];
        if (avx2_) {
          cm::DotProducts16Avx2(x, rows, kWeightSets, lanes, dots);
        } else {
          cm::DotProducts16Scalar(x, rows, kWeightSets, lanes, dots);
        }
        for (int s = 0; s < kWeightSets; ++s) layer1_out_[s] = layer1_[s].Finish(dots[s]);
      } else {
        for (int s = 0; s < kWeightSets; ++s) {
          layer1_out_[s] = layer1_[s].Finish(cm::MixerKernels16::Dot(x, rows[s], lanes));
        }
      }
      const int layer2_row = signal ? layer2_text_rows_ + bit_pos_ * cm::SignalModel::kRelations + signal_.Relation(c0_, bit_pos_)
                                    : Layer2TextRow();
      st = layer2_.Mix(layer1_out_.data(), layer2_row);
    }
    mixer_st_ = st;

    // APM stages, each fed the mixer's stretched output; averaged in the 16-bit domain.
    const int p_mix = cm::Squash16(st);
    int p;
    if (config_.order2_apm) {
      // The order-1 and order-2 maps leave an order-0 one nothing to add.
      const int p_a1 = apm_order1_.P(st, order1_apm_row_);
      const int p_a2 = apm_order2_.P(st, Order2ApmContext(c0_));
      if (config_.last2_apm) {
        const int p_last2 = apm_last2_.P(st, Last2ApmContext(c0_));
        p = config_.text_apms && TextRates() ? (p_mix + 2 * p_a1 + 2 * p_a2 + 3 * p_last2) >> 3
                                             : (p_mix + 2 * p_a1 + 2 * p_a2 + p_last2) / 6;
      } else {
        p = (2 * p_mix + 3 * p_a1 + 3 * p_a2) >> 3;
      }
    } else if (config_.order1_apm) {
      p = (2 * p_mix + apm_order0_.P(st, c0_) + apm_order1_.P(st, order1_apm_row_)) >> 2;
    } else {
      p = p_mix;  // level 1: the mixer alone
    }
    if (signal_predicted_) {
      // Level 1 (the mixer alone before these stages) weights the two 3:1 against
      // it, the others 1:1: what codes images and audio smallest at each.
      const int p_signal = apm_signal_.P(st, static_cast<size_t>(signal_.ApmContext(c0_, bit_pos_)));
      const int p_distance = apm_distance_.P(st, static_cast<size_t>(signal_.DistanceContext(c0_, bit_pos_)));
      p = config_.level == 1 ? (p + 2 * p_signal + p_distance) >> 2 : (2 * p + p_signal + p_distance) >> 2;
      // The residual shape's share: 1/6 at level 1, 1/12 after the more refined
      // final probability of the other levels.
      p = signal_.RefineFinal(p, c0_, bit_pos_, config_.level == 1 ? 6 : 12);
    }
    if (bit_pos_ == 7 && config_.level >= 2) {
      PrefetchNextByte(p >= 32768 ? 1 : 0);
    } else if (bit_pos_ == 3) {
      PrefetchNextNibble(p >= 32768 ? 1 : 0);
    }
    return static_cast<uint32_t>(std::clamp(p, 1, 65535));
  }

  // The three inputs of each active context into x, from the slots of this bit's
  // node: the stretched probability, that again when the history has seen only one
  // bit value (zero otherwise), and a third: with kRuns (from level 6), a vote for the
  // next bit of the byte that last followed the context, growing with its run, while
  // the byte so far agrees (zero otherwise); else (level 5) the probability itself.
  // Returns how many contexts have been seen before, and sets
  // deterministic_count_ to how many have seen only one bit value at this node.
  // `kContexts` > 0: the same for exactly that many active contexts.
  template <bool kRuns, int kContexts = 0>
  int ContextInputs3(int16_t* x) {
    const int16_t* deterministic = deterministic_.data();
    const uint32_t* maps = state_maps_.data();
    const int node = NibbleNode();
    const int n = kContexts > 0 ? kContexts : active_contexts_;
    alignas(16) int16_t votes[kMaxContexts + 7];
    if constexpr (kRuns) RunVotes(n, votes);
    const uint16_t* seen = seen_.data();
    int counts = 0;  // known contexts, plus 256 per deterministic one
#pragma GCC unroll 16
    for (int i = 0; i < n; ++i, maps += 256, x += 3) {
      uint8_t* slot = slot_base_[i] + node;
      slot_[i] = slot;
      const uint8_t state = *slot;
      const int p = static_cast<int>(maps[state] >> 20);
      const int st = Stretch(p);
      x[0] = static_cast<int16_t>(st);
      x[1] = static_cast<int16_t>(st & deterministic[state]);
      if constexpr (kRuns) {
        x[2] = votes[i];
      } else {
        x[2] = static_cast<int16_t>(state == 0 ? 0 : (p - 2048) >> 1);
      }
      counts += seen[state];
    }
    deterministic_count_ = counts >> 8;
    return counts & 255;
  }

  // Into votes[0..n) (and up to 7 more), each context's run vote for this bit: for
  // its run's next bit, while the byte so far agrees with the run's byte, else 0.
  void RunVotes(int n, int16_t* votes) const {
    const __m128i c0 = _mm_set1_epi16(static_cast<int16_t>(c0_));
    const __m128i one = _mm_set1_epi16(1);
    // The run's bits so far (with the leading 1) and its next bit.
    const __m128i prefix_shift = _mm_cvtsi32_si128(8 - bit_pos_);
    const __m128i next_shift = _mm_cvtsi32_si128(7 - bit_pos_);
    for (int i = 0; i < n; i += 8) {
      const __m128i run = _mm_load_si128(reinterpret_cast<const __m128i*>(&run_expected_[i]));
      const __m128i vote = _mm_load_si128(reinterpret_cast<const __m128i*>(&run_vote_[i]));
      // With no run (0), the prefix 0 never equals c0 >= 1.
      const __m128i agree = _mm_cmpeq_epi16(_mm_srl_epi16(run, prefix_shift), c0);
      const __m128i zero_next = _mm_cmpeq_epi16(_mm_and_si128(_mm_srl_epi16(run, next_shift), one),
                                                _mm_setzero_si128());
      const __m128i signed_vote = _mm_sub_epi16(_mm_xor_si128(vote, zero_next), zero_next);
      _mm_store_si128(reinterpret_cast<__m128i*>(votes + i), _mm_and_si128(signed_vote, agree));
    }
  }

  void UpdateBit(int bit) override {
    // The APM rows of the next bit, while this one is learned.
    if (bit_pos_ < 7) PrefetchApms((c0_ << 1) | bit, bit_pos_ + 1);
    if (active_contexts_ == kUnrolledContexts) {
      UpdateContexts<kUnrolledContexts>(bit);
    } else {
      UpdateContexts(bit);
    }
    if (signal_predicted_) {
      signal_.Update(bit);
      signal_.FinalUpdate(bit);
      apm_signal_.Update(bit);
      apm_distance_.Update(bit);
    }
    match_.Update(bit);
    order0_.Update(bit);
    if (num_direct_ == 3) {
      direct_.Update<3>(bit, kDirectLimit);
    } else if (num_direct_ > 0) {
      direct_.Update(bit, kDirectLimit);
    }
    // At level 1 (one weight set), signals learn the mixer's weights half again as
    // fast: a chunk of an image or of audio has few bytes in which to find its
    // predictors' weights. Levels with more weight sets lost by it.
    const int rate = signal_predicted_ && config_.level == 1 ? config_.mixer_rate * 3 / 2 : config_.mixer_rate;
    const bool text_rates = TextRates();
    if (selectors_ == 1) {
      layer1_[0].Update(inputs_.data(), bit, rate);
    } else {
      int errors[kWeightSets];
      int16_t* rows[kWeightSets];
      for (int s = 0; s < kWeightSets; ++s) {
        errors[s] = layer1_[s].Error(bit, rate, text_rates);
        rows[s] = layer1_[s].row();
      }
      const int lanes = layer1_[0].lanes();
      if (lanes % 16 == 0) {
        if (avx2_) {
          cm::TrainWeightsMany16Avx2(inputs_.data(), rows, kWeightSets, lanes, errors);
        } else {
          cm::TrainWeightsMany16Scalar(inputs_.data(), rows, kWeightSets, lanes, errors);
        }
      } else {
        for (int s = 0; s < kWeightSets; ++s) cm::MixerKernels16::Train(inputs_.data(), rows[s], lanes, errors[s]);
      }
      layer2_.Update(layer1_out_.data(), bit, 1);
      if (judged_) {
        const auto brier = [bit](int p) {
          const int e = (bit << 12) - p;
          return (e * e) >> 4;
        };
        signal_judge_error_ += (brier(signal_judge_.p()) - signal_judge_error_) >> 10;
        text_judge_error_ += (brier(text_judge_.p()) - text_judge_error_) >> 10;
        signal_judge_.Update(judge_x_.data(), bit, rate);
        text_judge_.Update(judge_x_.data() + kJudgeTextOffset, bit, rate);
      }
    }
    if (config_.order1_apm) {
      if (!config_.order2_apm) apm_order0_.Update(bit);
      apm_order1_.Update(bit, text_rates ? kTextApmOrder1Rate : apm_order1_.rate());
    }
    if (config_.order2_apm) {
      apm_order2_.Update(bit, config_.text_apms && text_rates ? kTextApmOrder2Rate : apm_order2_.rate());
    }
    if (config_.last2_apm) apm_last2_.Update(bit, text_rates ? kTextApmLast2Rate : apm_last2_.rate());
    AdvanceBit(bit);
  }

  // Each active context's map and bit-history state learn `bit`. `kContexts` > 0:
  // the same for exactly that many active contexts.
  template <int kContexts = 0>
  void UpdateContexts(int bit) {
    const auto& next = BitHistory().next;
    uint32_t* maps = state_maps_.data();
    uint8_t* const* slots = slot_.data();
    const int num_contexts = kContexts > 0 ? kContexts : active_contexts_;
    // Two contexts may share a slot: each reads the state the one before left.
#pragma GCC unroll 16
    for (int i = 0; i < num_contexts; ++i, maps += 256) {
      uint8_t* slot = slots[i];
      const uint8_t state = *slot;
      StateMap::AdaptFullLimit(maps[state], bit);
      *slot = next[state][bit];
    }
  }

  int Code(ArithmeticCoder& coder, int byte) override {
    const bool encode = coder.mode() == ArithmeticCoder::Mode::kEncode;
    if (FastPathApplies()) return encode ? CodeFast<true>(coder, byte) : CodeFast<false>(coder, byte);
    int c = 0;
    for (int i = 7; i >= 0; --i) {
      const uint32_t p = PredictBit();
      const int bit = encode ? coder.EncodeBit((byte >> i) & 1, p) : coder.DecodeBit(p);
      UpdateBit(bit);
      c = (c << 1) | bit;
    }
    return c;
  }

 private:
  static constexpr int kFastContexts = 3;
  // The active contexts at levels 6-9 on text, for which the per-context loops are
  // unrolled.
  static constexpr int kUnrolledContexts = 12;

  // Whether the rates for text apply to this bit: at the levels that have them, while
  // the input looks like text (the signal contexts rest).
  bool TextRates() const { return config_.text_rates && active_contexts_ < num_contexts_; }

  // Whether CodeFast may code the next byte: one first-layer mixer, one input per
  // context, no APM, and kFastContexts text contexts active while the signal contexts
  // rest (level 1 on text).
  bool FastPathApplies() const {
    return bit_pos_ == 0 && selectors_ == 1 && inputs_per_context_ == 1 && !config_.order1_apm &&
           !config_.order2_apm && active_contexts_ == kFastContexts && active_contexts_ < num_contexts_;
  }

  // PredictBit and UpdateBit for eight bits, specialised to the shape FastPathApplies
  // checks: the same predictions, the same state afterwards.
  template <bool kEncode>
  int CodeFast(ArithmeticCoder& coder, int byte) {
    const auto& next = BitHistory().next;
    int16_t* x = inputs_.data();
    uint32_t* maps = state_maps_.data();
    Mixer16& mixer = layer1_[0];
    const int rate = config_.mixer_rate;
    x[MatchModel::kInputs + 1] = 256;
    signal_predicted_ = false;
    int c = 0;
    // Unrolled, so that each bit's position is a constant.
#pragma GCC unroll 8
    for (int i = 7; i >= 0; --i) {
      int match_inputs[MatchModel::kInputs];
      match_.Predict(c0_, bit_pos_, match_inputs);
      const int node = NibbleNode();
      int known = 0;
      int16_t v[8] = {static_cast<int16_t>(match_inputs[0]), static_cast<int16_t>(match_inputs[1]),
                      static_cast<int16_t>(Stretch(order0_.P(c0_))), 256, 0, 0, 0, 0};
      for (int k = 0; k < kFastContexts; ++k) {
        slot_[k] = slot_base_[k] + node;
        const uint8_t state = *slot_[k];
        v[kSharedInputs + k] = static_cast<int16_t>(Stretch(static_cast<int>(maps[k * 256 + state] >> 20)));
        known += state != 0;
      }
      known_ = known;
      for (int k = 0; k < kSharedInputs + kFastContexts; ++k) x[k] = v[k];  // for the update
      const int st = mixer.Mix8(_mm_setr_epi16(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]),
                                match_.LengthBucket() * 256 + c0_);
      mixer_st_ = st;
      const auto p = static_cast<uint32_t>(std::clamp(cm::Squash16(st), 1, 65535));
      const int bit = kEncode ? coder.EncodeBit((byte >> i) & 1, p) : coder.DecodeBit(p);
      c = (c << 1) | bit;

      // Two contexts may share a slot: each reads the state the one before left.
      for (int k = 0; k < kFastContexts; ++k) {
        const uint8_t state = *slot_[k];
        StateMap::AdaptFullLimit(maps[k * 256 + state], bit);
        *slot_[k] = next[state][bit];
      }
      match_.Update(bit);
      order0_.Update(bit);
      mixer.Update(x, bit, rate);
      // AdvanceBit, less the APMs this shape lacks.
      c0_ = (c0_ << 1) | bit;
      bit_pos_ = 8 - i;
      if (i == 4) {
        FindSlots(c0_);
      } else if (i == 5) {
        PrefetchNextNibble();
      } else if (i == 1) {
        PrefetchNextPlainOrders();
        match_.PrefetchNext(c0_ & 127);
      }
    }
    EndByte(static_cast<uint8_t>(c0_ & 255));
    NewByte();
    return c;
  }

  // Moves on to the next bit: the byte's end, the next nibble's slots, prefetches.
  void AdvanceBit(int bit) {
    c0_ = (c0_ << 1) | bit;
    ++bit_pos_;
    if (bit_pos_ == 8) {
      EndByte(static_cast<uint8_t>(c0_ & 255));
      NewByte();
    } else if (bit_pos_ == 4) {
      FindSlots(c0_);
      for (int j = 0; j < num_direct_; ++j) direct_.Select(j, DirectNibbleHash(j, c0_));
    } else if (bit_pos_ == 7) {
      if (config_.level < 2) PrefetchNextPlainOrders();
      match_.PrefetchNext(c0_ & 127, true);
    }
  }

  // The next nibble's buckets: one of two, known a bit early. REQUIRES: bit_pos_ == 3.
  void PrefetchNextNibble() {
    for (int i = 0; i < active_contexts_; ++i) {
      slots_.Prefetch(NibbleHash(i, c0_ * 2));
      slots_.Prefetch(NibbleHash(i, c0_ * 2 + 1));
    }
    for (int j = 0; j < num_direct_; ++j) {
      direct_.Prefetch(j, DirectNibbleHash(j, c0_ * 2));
      direct_.Prefetch(j, DirectNibbleHash(j, c0_ * 2 + 1));
    }
  }
  // The next nibble's buckets for the value `likely_bit` of the nibble's last bit,
  // once that bit is predicted: the other value's would take as many line fills,
  // mostly for nothing. REQUIRES: bit_pos_ == 3.
  void PrefetchNextNibble(int likely_bit) {
    const int nibble_context = c0_ * 2 + likely_bit;
    for (int i = 0; i < active_contexts_; ++i) slots_.Prefetch(NibbleHash(i, nibble_context));
    for (int j = 0; j < num_direct_; ++j) direct_.Prefetch(j, DirectNibbleHash(j, nibble_context));
  }

  // Direct map j's line for the byte after the last 8 bytes `c8` (its first nibble).
  uint64_t DirectHash(int j, uint64_t c8) const {
    const int order = config_.direct_orders[static_cast<size_t>(j)];
    const uint64_t mask = order >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * order)) - 1;
    return Finalize((c8 & mask) * 0x100000001b3ull + 1000 + static_cast<uint64_t>(order));
  }
  // Its line for the second nibble, whose first is in `c0` (16..31).
  uint64_t DirectNibbleHash(int j, int c0) const {
    return direct_hash_[j] + static_cast<uint64_t>(c0) * 0x9e3779b97f4a7c15ull;
  }

  // At the last bit of a byte, once it is predicted: the hashes of the text contexts
  // (and the direct maps' lines and the APM rows) for the next byte, for the value
  // `likely_bit` of that bit would give it, with their buckets fetched. NewByte takes
  // them if that bit comes, else computes its own (the last bit of a text byte is
  // seldom mispredicted, and both bytes cost twice the hashes). REQUIRES: bit_pos_
  // == 7, level >= 2.
  void PrefetchNextByte(int likely_bit) {
    const int byte = (c0_ * 2 + likely_bit) & 255;
    NextByteHashes& next = next_;
    NextContextHashes(byte, next.context.data());
    for (int i = 0; i < num_text_contexts_; ++i) slots_.Prefetch(next.context[i]);
    const uint64_t next_c8 = (c8_ << 8) | static_cast<uint64_t>(byte);
    for (int j = 0; j < num_direct_; ++j) {
      next.direct[j] = DirectHash(j, next_c8);
      direct_.Prefetch(j, next.direct[j]);
    }
    if (config_.order1_apm) apm_order1_.Prefetch(1 | static_cast<size_t>(byte) << 8);
    if (config_.order2_apm) {
      next.order2_apm = Order2ApmHash(next_c8);
      apm_order2_.Prefetch(1 ^ next.order2_apm);
    }
    if (config_.last2_apm) {
      next.last2_apm = Last2ApmHash(next_c8);
      apm_last2_.Prefetch(1 ^ next.last2_apm);
    }
    next_known_ = true;
    next_bit_ = likely_bit;
  }

  // Level 1's prefetch at the last bit: the buckets of the plain orders alone, for both
  // values of that bit, whose hashes are cheaper to compute again in NewByte than to
  // keep.
  __attribute__((noinline)) void PrefetchNextPlainOrders() {
    for (int i = 0; i < num_text_contexts_; ++i) {
      const Context c = config_.contexts[i];
      if (c > C::kOrder8) continue;
      const int order = static_cast<int>(c) - static_cast<int>(C::kOrder1) + 1;
      for (int b = 0; b < 2; ++b) {
        const uint64_t next_c8 = (c8_ << 8) | static_cast<uint8_t>(c0_ * 2 + b);
        slots_.Prefetch(ContextHash(OrderValue(order, next_c8), i));
      }
    }
  }

  // Also sets order1_apm_row_ for the bit `bit_pos` whose bits so far are `c0`.
  void PrefetchApms(int c0, int bit_pos) {
    // The row by the previous byte and the bits so far is one of 65,536 (12 MB): a
    // cache miss per bit unless it is fetched while the last bit is learned.
    if (config_.byte_rows) layer1_[2].PrefetchRow(c1_ * 256 + c0, text_end_);
    // So is the row by classes and bits, of 16,384 (fetching the word set's row too
    // cost 0.9% more instructions).
    if (config_.class_rows) layer1_[1].PrefetchRow(ClassRow(c0), text_end_);
    if (config_.order1_apm) {
      order1_apm_row_ = Order1ApmContext(c0, bit_pos);
      apm_order1_.Prefetch(order1_apm_row_);
    }
    if (config_.order2_apm) apm_order2_.Prefetch(Order2ApmContext(c0));
    if (config_.last2_apm) apm_last2_.Prefetch(Last2ApmContext(c0));
  }
  // The second layer's row for a byte the signal model does not predict.
  int Layer2TextRow() const {
    const int row = c0_ | static_cast<int>(class_hash_ & 7) << 8;
    return config_.class_rows ? row | MatchState(c0_, bit_pos_) << 11 : row;
  }
  // With LevelConfig::class_rows, the rows of the sets by current bits and by word
  // length for the bits so far `c0` (unless the signal model predicts the byte).
  int ClassRow(int c0) const { return c0 | static_cast<int>(class_hash_ & 63) << 8; }
  int WordBitsRow(int c0) const { return (word_length_ * 8 + static_cast<int>(class_hash_ >> 3 & 7)) * 256 + c0; }
  // The match model's state at bit `bit_pos` of the current byte, whose bits so far
  // are `c0`: 0 while it predicts nothing (no match, or the byte already differs),
  // else 1 + the bit it expects + 2 per length reached of 8 and 32 bytes
  // (below kMatchStates).
  int MatchState(int c0, int bit_pos) const {
    const uint32_t length = match_.length();
    if (length == 0 || bit_pos > 7) return 0;
    const int predicted = match_.PredictedByte();
    if (((predicted | 256) >> (8 - bit_pos)) != c0) return 0;
    const int expected = (predicted >> (7 - bit_pos)) & 1;
    return 1 + expected + 2 * static_cast<int>(length >= 8) + 2 * static_cast<int>(length >= 32);
  }
  // The order-1 APM's row for bit `bit_pos` with the bits `c0`: the previous byte and
  // c0, and with LevelConfig::text_apms while the input looks like text, MatchState.
  size_t Order1ApmContext(int c0, int bit_pos) const {
    const size_t row = static_cast<size_t>(c0) | c1_ << 8;
    if (!config_.text_apms || !TextRates()) return row;
    return row | static_cast<size_t>(MatchState(c0, bit_pos)) << 16;
  }
  // Rows of the order-2 APM for the byte after the last three of `c8`, less the bits of that byte.
  uint32_t Order2ApmHash(uint64_t c8) const {
    return static_cast<uint32_t>(Finalize(c8 & 0xffffff)) & ((1u << config_.apm_bits) - 256);
  }
  // The order-2 APM's row for the current byte's bits so far, `c0`.
  size_t Order2ApmContext(int c0) const {
    return (static_cast<uint32_t>(c0) ^ order2_apm_hash_) & ((1u << config_.apm_bits) - 1);
  }
  // Rows of the APM by the last two bytes (as many as the order-2 one's, whose rows
  // hash the last three) for the byte after those of `c8`, less the bits of that byte;
  // with LevelConfig::text_apms, by the classes (ByteClass) of bytes 3 and 4 too.
  uint32_t Last2ApmHash(uint64_t c8) const {
    uint64_t key = c8 & 0xffff;
    if (config_.text_apms) {
      key |= static_cast<uint64_t>(ByteClass(static_cast<int>(c8 >> 16 & 255)) |
                                   ByteClass(static_cast<int>(c8 >> 24 & 255)) << 3)
             << 16;
    }
    return static_cast<uint32_t>(Finalize(key + 0x5bd1e995ull)) & ((1u << config_.apm_bits) - 256);
  }
  size_t Last2ApmContext(int c0) const {
    return (static_cast<uint32_t>(c0) ^ last2_apm_hash_) & ((1u << config_.apm_bits) - 1);
  }

  // Into `hashes`, the hash of each text context as NewByte computes it once `byte`
  // has ended this one (ContextHash(ContextValue(...)) after EndByte), or 0 for the
  // contexts it must compute itself (those of rarer use).
  void NextContextHashes(int byte, uint64_t* hashes) const {
    TextState next{(c8_ << 8) | static_cast<uint64_t>(byte), word0_, word1_, word2_, NextClasses(byte),
                   NextNesting(nesting_, byte), NextWordCase(word_case_, byte, word0_, capital_flag_, upper_flag_),
                   1};
    AdvanceWords(byte, &next.word0, &next.word1, &next.word2);
    for (int i = 0; i < num_text_contexts_; ++i) {
      uint64_t v;
      hashes[i] = TextContextValue(config_.contexts[i], next, &v) ? ContextHash(v, i) : 0;
    }
  }

  // What the text contexts of TextContextValue are computed from: the last 8 bytes,
  // the word hashes, the classes, the nesting and the word's case, and `lag`, how
  // many bytes the state is ahead of the history (1 for the byte about to end, 0
  // otherwise).
  struct TextState {
    uint64_t c8, word0, word1, word2, class_hash, nesting;
    int word_case;
    int lag;
  };
  TextState CurrentTextState() const { return {c8_, word0_, word1_, word2_, class_hash_, nesting_, word_case_, 0}; }

  // class_hash_ after `byte`; the word transform's case flags count as capitals.
  uint64_t NextClasses(int byte) const {
    if (byte == capital_flag_ || byte == upper_flag_) return (class_hash_ << 3 | 1) & 0xffffff;
    return NextClassHash(class_hash_, byte);
  }

  // Into `value`, context c's value in state `s`, for the contexts that follow from a
  // TextState; false (value untouched) for the others.
  __attribute__((always_inline)) bool TextContextValue(Context c, const TextState& s, uint64_t* value) const {
    const uint64_t c1 = s.c8 & 255;
    const auto after_word = [c1] { return IsWordByte(static_cast<int>(c1)) ? 0 : c1 + 256; };
    switch (c) {
      case C::kOrder1: *value = OrderValue(1, s.c8); return true;
      case C::kOrder2: *value = OrderValue(2, s.c8); return true;
      case C::kOrder3: *value = OrderValue(3, s.c8); return true;
      case C::kOrder4: *value = OrderValue(4, s.c8); return true;
      case C::kOrder5: *value = OrderValue(5, s.c8); return true;
      case C::kOrder6: *value = OrderValue(6, s.c8); return true;
      case C::kOrder7: *value = OrderValue(7, s.c8); return true;
      case C::kOrder8: *value = OrderValue(8, s.c8); return true;
      // Byte k back of the state is Back(k - lag) of the history.
      case C::kOrder12: *value = LongOrderHash(s.c8, 12, s.lag); return true;
      case C::kOrder16: *value = LongOrderHash(s.c8, 16, s.lag); return true;
      case C::kOrder24: *value = LongOrderHash(s.c8, 24, s.lag); return true;
      case C::kWord: *value = Combine(s.word0, after_word()); return true;
      case C::kWordPair: *value = Combine(Combine(s.word0, s.word1), after_word()); return true;
      case C::kWordTriple: *value = Combine(Combine(s.word0, s.word1), s.word2); return true;
      case C::kWordSkip: *value = Combine(Combine(s.word0, s.word2), 7); return true;
      case C::kSparseSkip1: *value = (s.c8 & 0xffff00) | 0x1000000000ull; return true;
      case C::kSparseSkip2: *value = (s.c8 & 0xffff0000) | 0x2000000000ull; return true;
      case C::kSparseGap: *value = (s.c8 & 0xff00ff) | 0x3000000000ull; return true;
      case C::kSparseWide: *value = (s.c8 & 0xff00ff00ff00ull) | 0x400000000000000ull; return true;
      case C::kCharClasses:
        *value = Combine(s.class_hash << 8 | c1 | static_cast<uint64_t>(s.word_case) << 40, 14);
        return true;
      case C::kNesting: *value = Combine(Combine(s.word0, s.nesting | s.word_case << 7), 15); return true;
      default: return false;
    }
  }

  static uint64_t ContextHash(uint64_t value, int index) {
    return Finalize(value * 64 + static_cast<uint64_t>(index));
  }
  uint64_t NibbleHash(int i, int nibble_context) const {
    // context_hash_ is well mixed, so an offset per nibble context keeps it so.
    return context_hash_[i] + static_cast<uint64_t>(nibble_context - 1) * 0x9e3779b97f4a7c15ull;
  }
  // Value of the order-n context (n <= 8) given the last 8 bytes.
  static uint64_t OrderValue(int n, uint64_t c8) {
    const uint64_t mask = n == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1;
    return (c8 & mask) * 0x100000001b3ull + static_cast<uint64_t>(n);
  }

  // Index of the current node in the nibble's tree, 1..15.
  int NibbleNode() const {
    const int bits_in_nibble = bit_pos_ & 3;
    const int prefix = c0_ & ((1 << bits_in_nibble) - 1);
    return (1 << bits_in_nibble) | prefix;
  }

  void EndByte(uint8_t byte) {
    if (config_.run_inputs) UpdateRuns(byte);
    match_.UpdateByte(byte);
    history_[pos_ & (history_.size() - 1)] = byte;
    ++pos_;
    c8_ = (c8_ << 8) | byte;
    c2_ = c1_;
    c1_ = byte;
    class_hash_ = NextClasses(byte);
    nesting_ = NextNesting(nesting_, byte);
    word_length_ = IsWordByte(byte) ? std::min(word_length_ + 1, 7) : 0;
    word_case_ = NextWordCase(word_case_, byte, word0_, capital_flag_, upper_flag_);
    AdvanceWords(byte, &word0_, &word1_, &word2_);
    // A transformed input's first two bytes name its flags (docs/format.md); they
    // count from the byte after them (as NextContextHashes assumes).
    if (known_text_ && pos_ <= 2) (pos_ == 1 ? capital_flag_ : upper_flag_) = byte;
    if (byte == '\n') {
      prev_line_start_ = line_start_;
      line_start_ = pos_;
    }
    indirect1_[c2_ & 255] = static_cast<uint16_t>((indirect1_[c2_ & 255] << 8) | byte);
    const uint32_t c2c3 = static_cast<uint32_t>((c8_ >> 8) & 0xffff);
    indirect2_[c2c3] = static_cast<uint16_t>((indirect2_[c2c3] << 8) | byte);
    DetectStride(byte);
    DetectText(byte);
    if (pos_ <= 16) binary_start_ = StartLooksBinary();
    // The signal model predicts only bytes that are not text (see PredictBit).
    signal_.EndByte(byte, stride_, active_contexts_ == num_contexts_);
  }

  // Each active context's run entry learns `byte`: one more in the run when it was the
  // entry's byte, else a run of one. (A claimed entry takes the context's check.)
  void UpdateRuns(uint8_t byte) {
    for (int i = 0; i < active_contexts_; ++i) {
      uint32_t& e = runs_[run_index_[i]];
      const uint32_t check = static_cast<uint32_t>(context_hash_[i] >> 8) & 0xffff0000u;
      const int run = run_expected_[i];
      if (run != 0 && (run & 255) == byte) {
        const uint32_t count = e & 255;
        e = check | static_cast<uint32_t>(byte) << 8 | (count < 255 ? count + 1 : 255);
      } else {
        e = check | static_cast<uint32_t>(byte) << 8 | 1;
      }
    }
  }

  // Whether the chunk's bytes so far (at most 16) look like a sampled signal, not
  // text nor random bytes: at least 2, each within kMaxStep of the one before, and if
  // all are ASCII text, at least 4, none a space, each within 2 of the one before and
  // not all equal (as a signal's are, and a text's seldom).
  bool StartLooksBinary() const {
    constexpr int kMaxStep = 24;
    bool ascii = true, spaces = false, varies = false;
    int max_step = 0;
    for (uint64_t i = 0; i < pos_; ++i) {
      const int byte = history_[i];
      ascii = ascii && IsAsciiText(byte);
      spaces = spaces || byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r';
      if (i > 0) {
        const int step = std::abs(byte - static_cast<int>(history_[i - 1]));
        max_step = std::max(max_step, step);
        varies = varies || step != 0;
      }
    }
    if (pos_ < 2 || max_step > kMaxStep) return false;
    return !ascii || (pos_ >= 4 && !spaces && max_step <= 2 && varies);
  }

  // Rests the signal contexts and the signal model while the recent input looks like
  // text: nearly all printable (UTF-8 included), mostly letters, with spaces.
  void DetectText(uint8_t byte) {
    // Bytes of UTF-8 sequences count as printable (em dashes, accented letters).
    const bool printable = (byte >= 32 && byte != 127) || byte == '\n' || byte == '\r' || byte == '\t';
    const bool letter = (byte | 32) >= 'a' && (byte | 32) <= 'z';
    const bool space = byte == ' ' || byte == '\n';
    // Means of all bytes so far, then of about the last 64, so that a chunk of
    // text is known as such after its first words.
    if (pos_ >= 64) {
      printable_share_ += ((printable ? 65536 : 0) - printable_share_) / 64;
      letter_share_ += ((letter ? 65536 : 0) - letter_share_) / 64;
      space_share_ += ((space ? 65536 : 0) - space_share_) / 64;
    } else {
      const auto window = static_cast<int32_t>(pos_);
      printable_share_ += ((printable ? 65536 : 0) - printable_share_) / window;
      letter_share_ += ((letter ? 65536 : 0) - letter_share_) / window;
      space_share_ += ((space ? 65536 : 0) - space_share_) / window;
    }
    const bool text =
        known_text_ || (printable_share_ > 62259 && letter_share_ > 26214 && space_share_ > 3277);
    const int active = text ? num_text_contexts_ : num_contexts_;
    if (active < active_contexts_) {
      // Resting inputs read as zero.
      std::fill(inputs_.begin() + first_context_input_ + active * inputs_per_context_, inputs_.end(), 0);
    }
    active_contexts_ = active;
  }

  // Re-chooses the stride whenever the byte count reaches a power of 4 from 1024 on.
  void DetectStride(uint8_t byte) {
    // The history holds more than the widest candidate's row, so the byte a row back
    // (Back(w + 1)) is read directly once there is one.
    const size_t mask = history_.size() - 1;
    for (size_t k = 0; k < kStrideCandidates.size(); ++k) {
      const auto w = static_cast<uint64_t>(kStrideCandidates[k]);
      stride_cost_[k] += pos_ > w ? static_cast<uint64_t>(std::abs(static_cast<int>(byte) - history_[(pos_ - w - 1) & mask]))
                                  : 128;
    }
    if (pos_ >= 1024 && (pos_ & (pos_ - 1)) == 0 && (__builtin_ctzll(pos_) & 1) == 0) {
      size_t best = 1;
      for (size_t k = 0; k < kStrideCandidates.size(); ++k) {
        if (stride_cost_[k] < stride_cost_[best]) best = k;
      }
      stride_ = kStrideCandidates[best];
    }
  }

  // Computes every context hash for the byte about to start and finds its slots.
  void NewByte() {
    c0_ = 1;
    bit_pos_ = 0;
    const TextState now = CurrentTextState();
    if (next_known_ && next_bit_ == static_cast<int>(c1_ & 1)) {
      // Computed at the byte's last bit (PrefetchNextByte), for the bit that came.
      const NextByteHashes& next = next_;
      for (int i = 0; i < active_contexts_; ++i) {
        const uint64_t h = i < num_text_contexts_ ? next.context[i] : 0;
        context_hash_[i] = h != 0 ? h : ContextHash(ContextValue(config_.contexts[i], now), i);
      }
      order2_apm_hash_ = next.order2_apm;
      last2_apm_hash_ = next.last2_apm;
      for (int j = 0; j < num_direct_; ++j) direct_hash_[j] = next.direct[j];
      next_known_ = false;
    } else {
      next_known_ = false;
      for (int j = 0; j < num_direct_; ++j) direct_hash_[j] = DirectHash(j, c8_);
      for (int i = 0; i < active_contexts_; ++i) {
        context_hash_[i] = ContextHash(ContextValue(config_.contexts[i], now), i);
      }
      if (config_.order2_apm) order2_apm_hash_ = Order2ApmHash(c8_);
      if (config_.last2_apm) last2_apm_hash_ = Last2ApmHash(c8_);
    }
    if (config_.run_inputs) {
      for (int i = 0; i < active_contexts_; ++i) {
        run_index_[i] = static_cast<size_t>(context_hash_[i] >> 24) & run_mask_;
        cm::PrefetchLine(&runs_[run_index_[i]]);
      }
    }
    for (int j = 0; j < num_direct_; ++j) direct_.Select(j, direct_hash_[j]);
    slots_.MaybeGrow();
    FindSlots(1);
    PrefetchApms(c0_, bit_pos_);
    if (config_.run_inputs) ReadRuns();
  }

  // The run entries of the byte about to start (run_index_ set).
  void ReadRuns() {
    for (int i = 0; i < active_contexts_; ++i) {
      const uint32_t e = runs_[run_index_[i]];
      const uint32_t check = static_cast<uint32_t>(context_hash_[i] >> 8) & 0xffff0000u;
      if ((e & 255) != 0 && (e & 0xffff0000u) == check) {
        run_expected_[i] = static_cast<int16_t>((e >> 8 & 255) | 256);
        run_vote_[i] = static_cast<int16_t>(64 + 96 * std::min<uint32_t>(e & 255, 15));
      } else {
        run_expected_[i] = 0;
      }
    }
  }

  void FindSlots(int nibble_context) {
    std::array<uint64_t, kMaxContexts> h;
    for (int i = 0; i < active_contexts_; ++i) {
      h[i] = NibbleHash(i, nibble_context);
      slots_.Prefetch(h[i]);
    }
    for (int i = 0; i < active_contexts_; ++i) {
      slot_base_[i] = slots_.Find(h[i]);
    }
  }

  uint64_t Back(int n) const {
    if (static_cast<uint64_t>(n) > pos_) return 0;
    return history_[(pos_ - n) & (history_.size() - 1)];
  }

  // The next pixel's neighbours in 2-D data whose rows start at multiples of the
  // stride: a neighbour beyond either end of its row repeats the nearest pixel of
  // that row, and the first pixel of a row takes the one above as its left.
  struct Neighbours {
    int left, above, above_left, above_right;
  };
  Neighbours ImageNeighbours() const {
    const int column = static_cast<int>(pos_ % static_cast<uint64_t>(stride_));
    Neighbours p{};
    p.above = static_cast<int>(Back(stride_));
    p.left = column >= 1 ? static_cast<int>(Back(1)) : p.above;
    p.above_left = column >= 1 ? static_cast<int>(Back(stride_ + 1)) : p.above;
    p.above_right = column + 1 < stride_ ? static_cast<int>(Back(stride_ - 1)) : p.above;
    return p;
  }

  // The order-n context (n > 8) whose last 8 bytes are `c8` and whose byte k back
  // (k > 8) is Back(k - lag).
  uint64_t LongOrderHash(uint64_t c8, int n, int lag) const {
    uint64_t h = c8;
    for (int k = 9; k <= n; ++k) h = Combine(h, Back(k - lag));
    return h;
  }

  // Context c's value for the byte about to start; `now` is CurrentTextState().
  uint64_t ContextValue(Context c, const TextState& now) const {
    uint64_t value;
    if (TextContextValue(c, now, &value)) return value;
    switch (c) {
      case C::kColumn: {
        const uint64_t column = pos_ - line_start_;
        const uint64_t above_pos = prev_line_start_ + column;
        const uint64_t above = above_pos < line_start_ ? Back(static_cast<int>(std::min<uint64_t>(pos_ - above_pos, 1u << 20))) : 0;
        return Combine(std::min<uint64_t>(column, 255) | above << 8 | c1_ << 16, 11);
      }
      case C::kIndirect1: return Combine(c1_ | static_cast<uint64_t>(indirect1_[c1_]) << 8, 12);
      case C::kImageNeighbours: {
        const Neighbours p = ImageNeighbours();
        return Combine(static_cast<uint64_t>(p.left) | static_cast<uint64_t>(p.above) << 8, 21);
      }
      case C::kImageGradient: {
        const Neighbours p = ImageNeighbours();
        const int left = p.left, above = p.above, above_left = p.above_left;
        const int predicted = std::clamp(left + above - above_left, 0, 255);
        const int contrast = std::min(std::abs(left - above_left) + std::abs(above - above_left), 255);
        return Combine(static_cast<uint64_t>(predicted) | static_cast<uint64_t>(Log2Bucket(contrast)) << 8, 22);
      }
      case C::kImageSmooth: {
        const Neighbours p = ImageNeighbours();
        return Combine(static_cast<uint64_t>((p.left + p.above_right + 1) >> 1) |
                           static_cast<uint64_t>(p.above >> 2) << 8,
                       23);
      }
      case C::kAudioLinear: {
        const int predicted = std::clamp(2 * static_cast<int>(c1_) - static_cast<int>(c2_), 0, 255);
        return Combine(static_cast<uint64_t>(predicted), 24);
      }
      case C::kAudioQuadratic: {
        const int c3 = static_cast<int>(Back(3));
        const int predicted =
            std::clamp(3 * static_cast<int>(c1_) - 3 * static_cast<int>(c2_) + c3, 0, 255);
        return Combine(static_cast<uint64_t>(predicted) | c1_ >> 3 << 8, 25);
      }
      case C::kIndirect2: {
        const uint32_t c1c2 = static_cast<uint32_t>(c8_ & 0xffff);
        return Combine(c1c2 | static_cast<uint64_t>(indirect2_[c1c2]) << 16, 13);
      }
      default: break;  // the text contexts, above
    }
    return 0;
  }

  // The input is known to be text: image and audio parts rest from the first byte.
  bool known_text_ = false;
  LevelConfig config_;
  bool ok_ = false;
  SlotTable slots_;
  MatchModel match_;
  cm::ZeroArray<uint8_t> history_;
  StateMap order0_;
  // With LevelConfig::direct_orders: the direct maps, and each one's line for the
  // current byte's first nibble.
  cm::DirectMaps direct_;
  std::array<uint64_t, kMaxDirect> direct_hash_{};
  int num_direct_ = 0;
  int first_context_input_ = kSharedInputs;  // the contexts' first input (after the direct maps')
  int deterministic_count_ = 0;  // see ContextInputs3
  // Per context, 256 entries (one per bit-history state): StateMap::Adapt entries.
  std::vector<uint32_t> state_maps_;
  std::vector<Mixer16> layer1_;
  Mixer layer2_;
  int layer2_text_rows_ = 0;  // second-layer rows before those for signals
  // While the signal model is in use (levels with many selectors): two small mixers,
  // one of the signal inputs (the signal contexts and the signal model) and one of
  // the others, by bit position, and their recent squared errors (2^-10 per bit, in
  // units of 2^-20). While the signal inputs alone err less, by a fifth, than the
  // others alone, the text contexts' inputs to the main mixer are zero: on images
  // and audio they are noise that a chunk is too short to learn away.
  Mixer16 signal_judge_, text_judge_;
  int32_t signal_judge_error_ = 0, text_judge_error_ = 0;
  static constexpr int kJudgeErrorMax = 1 << 20;
  static constexpr int kJudgeTextOffset = 64;  // text inputs' offset in judge_x_
  // The signal inputs: three per signal context (five kinds), the signal model's, a bias.
  static_assert(3 * 5 + cm::SignalModel::kInputs + 1 <= kJudgeTextOffset);
  alignas(32) std::array<int16_t, kJudgeTextOffset + cm::PaddedInputs16(kSharedInputs + kMaxDirect + 3 * kMaxContexts + 1)> judge_x_{};
  int text_end_ = 0;     // the first input after the text contexts'
  bool judged_ = false;  // whether the judges predicted this bit
  Apm apm_order0_;
  Apm apm_signal_;  // by the signal model's prediction, while it is in use
  Apm apm_distance_;  // by a least-squares prediction's distance, likewise
  Apm apm_order1_;
  Apm apm_order2_;
  Apm apm_last2_;
  int selectors_ = 1;
  // With many selectors: each first-layer weight set's rows for bytes the signal
  // model does not predict (those for the bytes it does follow them).
  std::array<int, kWeightSets> text_rows_{};
  bool avx2_ = cm::HaveAvx2();  // the first layer's kernels for this CPU
  int num_contexts_ = 0;
  int num_signal_contexts_ = 0;
  int num_text_contexts_ = 0;
  int active_contexts_ = 0;  // all, or the text contexts while the input looks like text
  // Running shares (16-bit) of printable bytes, letters and spaces in recent input.
  int32_t printable_share_ = 0, letter_share_ = 0, space_share_ = 0;
  int inputs_per_context_ = 1;
  int num_inputs_ = 0;
  int known_ = 0;
  int mixer_st_ = 0;
  alignas(32) std::array<int16_t, kMaxInputs> inputs_{};
  std::array<int32_t, 8> layer1_out_{};  // kWeightSets used, zero-padded
  std::array<uint64_t, kMaxContexts> context_hash_{};
  std::array<uint8_t*, kMaxContexts> slot_base_{};
  std::array<uint8_t*, kMaxContexts> slot_{};
  std::array<uint8_t, 16> empty_slot_{};
  std::array<uint16_t, 256> indirect1_{};
  std::array<uint16_t, 65536> indirect2_{};
  uint32_t order2_apm_hash_ = 0;
  uint32_t last2_apm_hash_ = 0;
  // The next byte's hashes for the likelier value of the current byte's last bit,
  // next_bit_ (0 for a context NewByte computes itself), known once that bit is
  // predicted.
  struct NextByteHashes {
    std::array<uint64_t, kMaxContexts> context{};
    std::array<uint64_t, kMaxDirect> direct{};
    uint32_t order2_apm = 0;
    uint32_t last2_apm = 0;
  };
  NextByteHashes next_{};
  bool next_known_ = false;
  int next_bit_ = 0;
  // Run entries, from level 6: per context, the byte that last followed it and how
  // many times in a row (check 16 bits, byte 8 bits, count 8 bits).
  cm::ZeroArray<uint32_t> runs_;
  size_t run_mask_ = 0;
  std::array<size_t, kMaxContexts> run_index_{};
  // Per context, padded to a multiple of 8 for RunVotes: the run's byte + 256, or 0
  // for none, and the stretched vote for the run's next bit.
  alignas(16) std::array<int16_t, kMaxContexts + 4> run_expected_{};
  alignas(16) std::array<int16_t, kMaxContexts + 4> run_vote_{};

  cm::SignalModel signal_;
  bool signal_predicted_ = false;  // whether the signal model's inputs are in use
  // Whether the chunk's first bytes (up to 16) look like a signal, not text (see
  // StartLooksBinary; it follows from history_).
  bool binary_start_ = false;

  int c0_ = 1;       // bits of the current byte with a leading 1
  int bit_pos_ = 0;  // bits of the current byte seen, 0..7
  // The order-1 APM's row for the bit being coded (Order1ApmContext), set when that
  // bit's row is fetched: after the bit before it is learned, or when the byte starts.
  size_t order1_apm_row_ = 0;
  uint64_t c1_ = 0, c2_ = 0;
  uint64_t c8_ = 0;  // the last 8 bytes, most recent lowest
  uint64_t pos_ = 0;
  uint64_t word0_ = 0, word1_ = 0, word2_ = 0;
  uint64_t class_hash_ = 0;  // ByteClass of the last 8 bytes, 3 bits each, most recent lowest
  uint64_t nesting_ = 0;     // depth of brackets (0..15), plus 16 inside double quotes
  int word_length_ = 0;      // letters in the current word, at most 7
  int word_case_ = 0;        // NextWordCase of the current word
  // The word transform's flags before Capitalised and ALL-CAPS words (the first two
  // bytes of a known_text_ input), or -1.
  int capital_flag_ = -1, upper_flag_ = -1;
  // Per bit-history state: -1 (all bits set) when only one bit value was seen, else 0.
  std::array<int16_t, 256> deterministic_{};
  // Per state: 1 for a state that has seen a bit, plus 256 when deterministic_.
  std::array<uint16_t, 256> seen_{};
  uint64_t line_start_ = 0, prev_line_start_ = 0;
  // Row stride of 2-D data: the candidate whose byte one stride back differs least.
  int stride_ = 64;
  std::array<uint64_t, kStrideCandidates.size()> stride_cost_{};
};

}  // namespace

std::unique_ptr<Predictor> NewContextMixingModel(int level) {
  auto model = std::make_unique<ContextMixingModel>(level, 0);
  if (!model->ok()) return nullptr;
  return model;
}

namespace {

// Weights file: "LMZW", u16 file format, u16 model version, u8 level, u64 input size
// the model was sized for, u64 state bytes, u64 compressed bytes, the zstd-compressed
// state, then XXH64 (seed 0) of everything before it. Integers little-endian.
constexpr char kWeightsMagic[4] = {'L', 'M', 'Z', 'W'};
constexpr uint16_t kWeightsFormat = 1;
constexpr size_t kWeightsHeaderBytes = 4 + 2 + 2 + 1 + 8 + 8 + 8;
constexpr uint64_t kMaxStateBytes = uint64_t{4} << 30;

void PutLe(std::vector<uint8_t>* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint64_t GetLe(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

Result<std::vector<uint8_t>> ReadWholeFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::IOError("cannot open weights file '" + path + "'");
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  if (f.bad()) return Status::IOError("cannot read weights file '" + path + "'");
  return bytes;
}

struct ParsedWeights {
  int level = 0;
  uint64_t sized_for = 0;
  uint64_t hash = 0;
  std::vector<uint8_t> state;
};

Result<ParsedWeights> ParseWeights(std::span<const uint8_t> file, const std::string& path) {
  const std::string where = "weights file '" + path + "': ";
  if (file.size() < kWeightsHeaderBytes + 8 || std::memcmp(file.data(), kWeightsMagic, 4) != 0) {
    return Status::Corruption(where + "not a context-mixing weights file");
  }
  const uint64_t stored_hash = GetLe(file.data() + file.size() - 8, 8);
  if (XXH64(file.data(), file.size() - 8, 0) != stored_hash) {
    return Status::Corruption(where + "checksum mismatch (damaged file)");
  }
  const uint8_t* p = file.data() + 4;
  const auto format = static_cast<uint16_t>(GetLe(p, 2));
  const auto version = static_cast<uint16_t>(GetLe(p + 2, 2));
  if (format != kWeightsFormat) {
    return Status::NotSupported(where + "file format " + std::to_string(format) + " is unknown");
  }
  if (version != kContextMixingVersion) {
    return Status::NotSupported(where + "made by model version " + std::to_string(version) +
                                ", this build has version " + std::to_string(kContextMixingVersion) +
                                " (prime again)");
  }
  ParsedWeights w;
  w.level = p[4];
  w.sized_for = GetLe(p + 5, 8);
  const uint64_t state_bytes = GetLe(p + 13, 8);
  const uint64_t packed_bytes = GetLe(p + 21, 8);
  if (w.level < 1 || w.level > 9 || state_bytes > kMaxStateBytes ||
      packed_bytes != file.size() - kWeightsHeaderBytes - 8) {
    return Status::Corruption(where + "inconsistent header");
  }
  w.state.resize(static_cast<size_t>(state_bytes));
  const size_t got = ZSTD_decompress(w.state.data(), w.state.size(), file.data() + kWeightsHeaderBytes,
                                     static_cast<size_t>(packed_bytes));
  if (ZSTD_isError(got) || got != state_bytes) return Status::Corruption(where + "state does not decompress");
  w.hash = stored_hash;
  return w;
}

// Primed models loaded so far, by path: each chunk starts from a copy.
struct PrimedEntry {
  uint64_t file_size = 0;
  int64_t modified = 0;
  std::shared_ptr<const ContextMixingModel> model;
  uint64_t hash = 0;
};

Result<std::shared_ptr<const ContextMixingModel>> LoadPrimed(const std::string& path, uint64_t* hash) {
  static std::mutex mutex;
  static std::map<std::string, PrimedEntry> cache;
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return Status::IOError("weights file '" + path + "' is missing: " + ec.message());
  const int64_t modified = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(path);
  if (it != cache.end() && it->second.file_size == size && it->second.modified == modified) {
    if (hash) *hash = it->second.hash;
    return it->second.model;
  }
  LMZIP_ASSIGN_OR_RETURN(std::vector<uint8_t> file, ReadWholeFile(path));
  LMZIP_ASSIGN_OR_RETURN(ParsedWeights w, ParseWeights(file, path));
  auto model = std::make_shared<ContextMixingModel>(w.level, w.sized_for);
  if (!model->ok()) return Status::IOError("out of memory for the primed model in '" + path + "'");
  LMZIP_RETURN_IF_ERROR(model->Load(w.state).WithContext("weights file '" + path + "'"));
  PrimedEntry& e = cache[path];
  e.file_size = size;
  e.modified = modified;
  e.model = model;
  e.hash = w.hash;
  if (hash) *hash = w.hash;
  return std::shared_ptr<const ContextMixingModel>(model);
}

}  // namespace

Result<std::unique_ptr<Predictor>> NewContextMixingModel(const ModelSpec& spec) {
  if (spec.weights_path.empty()) {
    auto model = std::make_unique<ContextMixingModel>(spec.level, spec.input_size, spec.known_text);
    if (!model->ok()) {
      return Status::IOError("out of memory for the level " + std::to_string(spec.level) +
                             " context-mixing model (try a lower level)");
    }
    return std::unique_ptr<Predictor>(std::move(model));
  }
  LMZIP_ASSIGN_OR_RETURN(std::shared_ptr<const ContextMixingModel> primed,
                         LoadPrimed(spec.weights_path, nullptr));
  if (primed->level() != spec.level) {
    return Status::InvalidArgument("weights file '" + spec.weights_path + "' primes level " +
                                   std::to_string(primed->level()) + ", not level " +
                                   std::to_string(spec.level));
  }
  std::unique_ptr<ContextMixingModel> copy = primed->Copy();
  if (!copy) return Status::IOError("out of memory for a copy of the primed model");
  return std::unique_ptr<Predictor>(std::move(copy));
}

Result<uint64_t> ContextMixingWeightsHash(const std::string& path) {
  uint64_t hash = 0;
  LMZIP_ASSIGN_OR_RETURN(std::shared_ptr<const ContextMixingModel> primed, LoadPrimed(path, &hash));
  (void)primed;
  return hash;
}

namespace {

// Runs `model` over `bytes`, bit by bit, as coding them would.
void Learn(ContextMixingModel& model, std::span<const uint8_t> bytes) {
  for (uint8_t byte : bytes) {
    for (int i = 7; i >= 0; --i) {
      model.PredictBit();
      model.UpdateBit((byte >> i) & 1);
    }
  }
}

}  // namespace

Result<std::vector<uint8_t>> PrimeContextMixingModel(int level, std::span<const uint8_t> corpus) {
  if (level < 1 || level > 9) return Status::InvalidArgument("model level must be 1..9");
  // Room for the corpus and for the chunks coded after it.
  const uint64_t sized_for = corpus.size() + (uint64_t{1} << 20);
  auto model = std::make_unique<ContextMixingModel>(level, sized_for);
  if (!model->ok()) return Status::IOError("out of memory for the level " + std::to_string(level) + " model");
  Learn(*model, corpus);
  std::vector<uint8_t> state;
  model->Save(&state);
  std::vector<uint8_t> file(kWeightsMagic, kWeightsMagic + 4);
  PutLe(&file, kWeightsFormat, 2);
  PutLe(&file, kContextMixingVersion, 2);
  PutLe(&file, static_cast<uint64_t>(level), 1);
  PutLe(&file, sized_for, 8);
  PutLe(&file, state.size(), 8);
  std::vector<uint8_t> packed(ZSTD_compressBound(state.size()));
  const size_t packed_size = ZSTD_compress(packed.data(), packed.size(), state.data(), state.size(), 9);
  if (ZSTD_isError(packed_size)) return Status::IOError("cannot compress the model state");
  PutLe(&file, packed_size, 8);
  file.insert(file.end(), packed.begin(), packed.begin() + static_cast<ptrdiff_t>(packed_size));
  PutLe(&file, XXH64(file.data(), file.size(), 0), 8);
  return file;
}

std::vector<int16_t> BuiltInSignalPrior() { return {std::begin(kSignalPrior), std::end(kSignalPrior)}; }

namespace {

// Each group's mean row of `model`'s rows for signals in weight set kSignalPriorSet,
// laid out as kSignalPrior. REQUIRES: model.HasSignalRows().
std::vector<double> MeanSignalRows(const ContextMixingModel& model) {
  std::vector<double> means(kSignalPriorSize, 0.0);
  std::vector<int> rows(kSignalPriorGroups, 0);
  model.SumChangedSignalRows(nullptr, &means, &rows);
  for (size_t i = 0; i < kSignalPriorSize; ++i) means[i] /= rows[i / kSignalPriorValues];
  return means;
}

}  // namespace

std::vector<int16_t> FreshSignalPrior(int level) {
  ContextMixingModel model(level, 2048);
  if (!model.ok() || !model.HasSignalRows()) return {};
  const std::vector<double> means = MeanSignalRows(model);
  std::vector<int16_t> prior(kSignalPriorSize);
  for (size_t i = 0; i < kSignalPriorSize; ++i) prior[i] = static_cast<int16_t>(std::nearbyint(means[i]));
  return prior;
}

Result<std::string> MakeSignalPrior(std::span<const uint8_t> corpus, const std::string& command) {
  // Each chunk starts a fresh level-6 model from the prior so far and codes the chunk
  // (the other weight sets start as usual);
  // then each group of the prior moves half way toward the mean of its rows
  // that the chunk changed (meta-learning of the starting point, as Reptile does).
  // The result is the mean of the priors after each chunk of the second half: the
  // last prior alone follows the last few dozen chunks.
  constexpr uint64_t kChunk = 2048;
  constexpr double kStep = 0.5;
  const size_t groups = kSignalPriorGroups;
  std::vector<double> prior;
  {
    ContextMixingModel cold(6, kChunk, false, false);
    if (!cold.ok() || !cold.HasSignalRows()) return Status::IOError("out of memory for the level 6 model");
    prior = MeanSignalRows(cold);
  }
  std::vector<int16_t> rounded(kSignalPriorSize);
  auto round = [&] {
    for (size_t i = 0; i < kSignalPriorSize; ++i) {
      rounded[i] = static_cast<int16_t>(std::clamp<double>(std::nearbyint(prior[i]), -32767, 32767));
    }
  };
  const size_t total = corpus.size() / kChunk;
  std::vector<double> mean(kSignalPriorSize, 0.0);
  size_t chunks = 0, averaged = 0;
  for (size_t off = 0; off + kChunk <= corpus.size(); off += kChunk, ++chunks) {
    round();
    ContextMixingModel model(6, kChunk, false, false);
    if (!model.ok()) return Status::IOError("out of memory for the level 6 model");
    model.SetSignalRows(rounded.data());
    Learn(model, corpus.subspan(off, kChunk));
    std::vector<double> sums(kSignalPriorSize, 0.0);
    std::vector<int> rows(groups, 0);
    model.SumChangedSignalRows(rounded.data(), &sums, &rows);
    for (size_t i = 0; i < kSignalPriorSize; ++i) {
      const int n = rows[i / kSignalPriorValues];
      if (n > 0) prior[i] += kStep * (sums[i] / n - prior[i]);
    }
    if (2 * chunks + 2 > total) {
      for (size_t i = 0; i < kSignalPriorSize; ++i) mean[i] += prior[i];
      ++averaged;
    }
  }
  if (chunks == 0) return Status::InvalidArgument("the signal prior needs at least one 2048-byte chunk");
  for (size_t i = 0; i < kSignalPriorSize; ++i) prior[i] = mean[i] / static_cast<double>(averaged);
  round();
  std::string out =
      "// kSignalPrior: the first layer's starting weights for signals (see cm.cc and\n"
      "// docs/cm.md), per group of rows, kSignalPriorValues each.\n"
      "// Made from " + std::to_string(chunks) + " chunks of 2048 bytes by\n//   " + command +
      "\n// Do not edit: make it again when the model's inputs change.\n"
      "inline constexpr int16_t kSignalPrior[] = {\n";
  for (size_t g = 0; g < groups; ++g) {
    out += std::string(g < 8 ? "    // images" : "    // audio") + " at bit position " + std::to_string(g % 8);
    for (int v = 0; v < kSignalPriorValues; ++v) {
      out += v % 12 == 0 ? "\n    " : " ";
      out += std::to_string(rounded[g * kSignalPriorValues + static_cast<size_t>(v)]) + ",";
    }
    out += "\n";
  }
  out += "};\n";
  return out;
}

size_t ContextMixingMemory(int level) {
  const LevelConfig c = ConfigFor(level);
  const size_t contexts = c.contexts.size();
  // The run vote takes the place of the third input; it adds none.
  const size_t inputs = contexts * (c.extra_inputs ? 3 : 1) + MatchModel::kInputs + 2 + c.direct_orders.size() +
                        cm::SignalModel::kInputs;
  size_t bytes = SlotTable::MaxBytes(size_t{1} << c.table_bits);
  bytes += MatchModel::MaxBytes(c.history_bits, c.match_index_bits, c.long_match_length > 0);
  bytes += size_t{1} << c.history_bits;              // context history
  bytes += 256 * 33 * 2;                             // order-0 APM
  bytes += (cm::SignalModel::kApmContexts + cm::SignalModel::kDistanceContexts) * 33 * 2;  // signal APMs
  if (c.order1_apm) bytes += Order1ApmRows(c) * 33 * 2;
  if (c.order2_apm) bytes += (size_t{1} << c.apm_bits) * 33 * 2;
  if (c.last2_apm) bytes += (size_t{1} << c.apm_bits) * 33 * 2;
  size_t rows = 16 * 256;
  if (c.many_selectors) {
    rows = 0;
    for (int s = 0; s < kWeightSets; ++s) rows += static_cast<size_t>(TextSetRows(c, s) + kSetRows[s]);
  }
  bytes += cm::PaddedInputs16(inputs) * 2 * rows;
  if (c.many_selectors && c.text_rates) bytes += rows * 2;  // updates per row
  if (c.many_selectors) bytes += static_cast<size_t>(Layer2TextRows(c) + kLayer2SignalRows) * 8 * 4;  // second layer
  bytes += contexts * 256 * 4 + 65536 * 2;
  if (c.run_inputs) bytes += size_t{4} << c.table_bits >> kRunTableShift;
  for (size_t j = 0; j < c.direct_orders.size(); ++j) bytes += size_t{64} << DirectLineBits(c, static_cast<int>(j));
  bytes += sizeof(cm::SignalModel);  // its predictors, pixel windows and histograms
  return bytes;
}

}  // namespace lmzip
