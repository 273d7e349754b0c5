#include <FLAC/stream_decoder.h>
#include <FLAC/stream_encoder.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "codec/baseline_codecs.h"

namespace lmzip {
namespace {

constexpr uint32_t kCompressionLevel = 8;  // flac --best
constexpr uint32_t kBitsPerSample = 8;
constexpr size_t kSamplesPerCall = 1 << 16;

struct EncoderDeleter {
  void operator()(FLAC__StreamEncoder* e) const { FLAC__stream_encoder_delete(e); }
};
struct DecoderDeleter {
  void operator()(FLAC__StreamDecoder* d) const { FLAC__stream_decoder_delete(d); }
};

// A seekable in-memory output, so that the encoder can write back STREAMINFO
// (MD5, frame sizes) once it has seen the whole signal.
struct SeekableOutput {
  std::vector<uint8_t> bytes;
  size_t pos = 0;
};

FLAC__StreamEncoderWriteStatus WriteOutput(const FLAC__StreamEncoder*, const FLAC__byte buffer[],
                                           size_t n, uint32_t, uint32_t, void* client) {
  auto* out = static_cast<SeekableOutput*>(client);
  if (out->pos + n > out->bytes.size()) out->bytes.resize(out->pos + n);
  std::memcpy(out->bytes.data() + out->pos, buffer, n);
  out->pos += n;
  return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
}
FLAC__StreamEncoderSeekStatus SeekOutput(const FLAC__StreamEncoder*, FLAC__uint64 offset,
                                         void* client) {
  auto* out = static_cast<SeekableOutput*>(client);
  if (offset > out->bytes.size()) return FLAC__STREAM_ENCODER_SEEK_STATUS_ERROR;
  out->pos = static_cast<size_t>(offset);
  return FLAC__STREAM_ENCODER_SEEK_STATUS_OK;
}
FLAC__StreamEncoderTellStatus TellOutput(const FLAC__StreamEncoder*, FLAC__uint64* offset,
                                         void* client) {
  *offset = static_cast<const SeekableOutput*>(client)->pos;
  return FLAC__STREAM_ENCODER_TELL_STATUS_OK;
}

struct DecodeState {
  std::span<const uint8_t> input;
  size_t input_pos = 0;
  std::vector<uint8_t> out;
  size_t expected = 0;
  std::string error;  // first problem seen, empty if none
};

FLAC__StreamDecoderReadStatus ReadInput(const FLAC__StreamDecoder*, FLAC__byte buffer[],
                                        size_t* n, void* client) {
  auto* s = static_cast<DecodeState*>(client);
  const size_t left = s->input.size() - s->input_pos;
  if (left == 0) {
    *n = 0;
    return FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM;
  }
  *n = std::min(*n, left);
  std::memcpy(buffer, s->input.data() + s->input_pos, *n);
  s->input_pos += *n;
  return FLAC__STREAM_DECODER_READ_STATUS_CONTINUE;
}

FLAC__StreamDecoderWriteStatus WriteSamples(const FLAC__StreamDecoder*, const FLAC__Frame* frame,
                                            const FLAC__int32* const buffer[], void* client) {
  auto* s = static_cast<DecodeState*>(client);
  if (frame->header.channels != 1 || frame->header.bits_per_sample != kBitsPerSample) {
    s->error = "not 8-bit mono";
    return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
  }
  const uint32_t n = frame->header.blocksize;
  if (s->out.size() + n > s->expected) {
    s->error = "more samples than the " + std::to_string(s->expected) + " expected";
    return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
  }
  for (uint32_t i = 0; i < n; ++i) {
    const FLAC__int32 v = buffer[0][i];
    if (v < -128 || v > 127) {
      s->error = "sample out of 8-bit range";
      return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
    }
    s->out.push_back(static_cast<uint8_t>(v + 128));
  }
  return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE;
}

void OnDecodeError(const FLAC__StreamDecoder*, FLAC__StreamDecoderErrorStatus status,
                   void* client) {
  auto* s = static_cast<DecodeState*>(client);
  if (s->error.empty()) s->error = FLAC__StreamDecoderErrorStatusString[status];
}

class FlacCodec final : public Codec {
 public:
  explicit FlacCodec(uint32_t sample_rate) : sample_rate_(sample_rate) {}
  std::string name() const override { return "flac"; }

  Result<std::vector<uint8_t>> Compress(std::span<const uint8_t> input) const override {
    std::unique_ptr<FLAC__StreamEncoder, EncoderDeleter> enc(FLAC__stream_encoder_new());
    if (!enc) return Status::InvalidArgument("flac: out of memory");
    FLAC__StreamEncoder* e = enc.get();
    FLAC__stream_encoder_set_verify(e, true);
    FLAC__stream_encoder_set_channels(e, 1);
    FLAC__stream_encoder_set_bits_per_sample(e, kBitsPerSample);
    FLAC__stream_encoder_set_sample_rate(e, sample_rate_);
    FLAC__stream_encoder_set_compression_level(e, kCompressionLevel);
    FLAC__stream_encoder_set_total_samples_estimate(e, input.size());
    SeekableOutput out;
    if (FLAC__stream_encoder_init_stream(e, WriteOutput, SeekOutput, TellOutput, nullptr, &out) !=
        FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
      return Status::InvalidArgument(
          std::string("flac: encoder init: ") +
          FLAC__StreamEncoderStateString[FLAC__stream_encoder_get_state(e)]);
    }
    std::vector<FLAC__int32> samples;
    for (size_t start = 0; start < input.size(); start += kSamplesPerCall) {
      const size_t n = std::min(kSamplesPerCall, input.size() - start);
      samples.resize(n);
      for (size_t i = 0; i < n; ++i) samples[i] = static_cast<FLAC__int32>(input[start + i]) - 128;
      if (!FLAC__stream_encoder_process_interleaved(e, samples.data(), static_cast<uint32_t>(n))) {
        const std::string state = FLAC__StreamEncoderStateString[FLAC__stream_encoder_get_state(e)];
        FLAC__stream_encoder_finish(e);
        return Status::Corruption("flac: encoder: " + state);
      }
    }
    if (!FLAC__stream_encoder_finish(e)) {
      return Status::Corruption("flac: encoder verification failed");
    }
    return std::move(out.bytes);
  }

  Result<std::vector<uint8_t>> Decompress(std::span<const uint8_t> input,
                                          size_t original_size) const override {
    std::unique_ptr<FLAC__StreamDecoder, DecoderDeleter> dec(FLAC__stream_decoder_new());
    if (!dec) return Status::InvalidArgument("flac: out of memory");
    FLAC__StreamDecoder* d = dec.get();
    FLAC__stream_decoder_set_md5_checking(d, true);
    DecodeState state;
    state.input = input;
    state.expected = original_size;
    state.out.reserve(original_size);
    if (FLAC__stream_decoder_init_stream(d, ReadInput, nullptr, nullptr, nullptr, nullptr,
                                         WriteSamples, nullptr, OnDecodeError, &state) !=
        FLAC__STREAM_DECODER_INIT_STATUS_OK) {
      return Status::InvalidArgument("flac: decoder init failed");
    }
    const bool processed = FLAC__stream_decoder_process_until_end_of_stream(d);
    const FLAC__StreamDecoderState end_state = FLAC__stream_decoder_get_state(d);
    const bool md5_ok = FLAC__stream_decoder_finish(d);
    if (!state.error.empty()) return Status::Corruption("flac: " + state.error);
    if (!processed || end_state != FLAC__STREAM_DECODER_END_OF_STREAM) {
      return Status::Corruption(std::string("flac: ") + FLAC__StreamDecoderStateString[end_state]);
    }
    if (state.out.size() != original_size) {
      return Status::Corruption("flac: decoded " + std::to_string(state.out.size()) +
                                " samples, expected " + std::to_string(original_size));
    }
    if (!md5_ok) return Status::Corruption("flac: MD5 of the decoded samples does not match");
    return std::move(state.out);
  }

 private:
  uint32_t sample_rate_;
};

}  // namespace

std::unique_ptr<Codec> NewFlacCodec(uint32_t sample_rate) {
  return std::make_unique<FlacCodec>(sample_rate);
}

}  // namespace lmzip
