#include "study/tokenizer.h"

#ifdef LMZIP_HAVE_SENTENCEPIECE
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>
#endif

namespace lmzip::study {

#ifdef LMZIP_HAVE_SENTENCEPIECE

bool HaveSentencePiece() { return true; }

struct Tokenizer::Impl {
  sentencepiece::SentencePieceProcessor processor;
};

namespace {

// The lines of a text (without their newlines), for the trainer.
class LineIterator final : public sentencepiece::SentenceIterator {
 public:
  explicit LineIterator(std::span<const uint8_t> text) : text_(text) { Next(); }
  bool done() const override { return done_; }
  void Next() override {
    while (pos_ < text_.size()) {
      size_t end = pos_;
      while (end < text_.size() && text_[end] != '\n') ++end;
      line_.assign(reinterpret_cast<const char*>(text_.data() + pos_), end - pos_);
      pos_ = end + 1;
      if (!line_.empty()) return;
    }
    done_ = true;
  }
  const std::string& value() const override { return line_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  std::span<const uint8_t> text_;
  size_t pos_ = 0;
  std::string line_;
  bool done_ = false;
};

}  // namespace

Tokenizer::Tokenizer() : impl_(std::make_unique<Impl>()) {}
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::TrainBpe(std::span<const uint8_t> text, int vocabulary) {
  if (vocabulary < 300) return Status::InvalidArgument("a BPE vocabulary needs at least 300 pieces");
  LineIterator lines(text);
  const std::string args =
      "--model_type=bpe --vocab_size=" + std::to_string(vocabulary) +
      " --byte_fallback=true --normalization_rule_name=identity --add_dummy_prefix=false"
      " --remove_extra_whitespaces=false --split_digits=false --allow_whitespace_only_pieces=true"
      " --max_sentence_length=65536 --character_coverage=1.0 --hard_vocab_limit=false"
      " --unk_id=0 --bos_id=-1 --eos_id=-1 --pad_id=-1 --num_threads=1 --minloglevel=2";
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  const auto trained = sentencepiece::SentencePieceTrainer::Train(args, &lines, &t->serialized_);
  if (!trained.ok()) return Status::InvalidArgument("SentencePiece training: " + trained.ToString());
  const auto loaded = t->impl_->processor.LoadFromSerializedProto(t->serialized_);
  if (!loaded.ok()) return Status::Corruption("SentencePiece model: " + loaded.ToString());
  return t;
}

Result<std::vector<uint32_t>> Tokenizer::Encode(std::span<const uint8_t> bytes) const {
  std::vector<int> ids;
  const auto s = impl_->processor.Encode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), &ids);
  if (!s.ok()) return Status::InvalidArgument("SentencePiece encode: " + s.ToString());
  return std::vector<uint32_t>(ids.begin(), ids.end());
}

Result<std::vector<uint8_t>> Tokenizer::Decode(std::span<const uint32_t> ids) const {
  const std::vector<int> signed_ids(ids.begin(), ids.end());
  std::string text;
  const auto s = impl_->processor.Decode(signed_ids, &text);
  if (!s.ok()) return Status::Corruption("SentencePiece decode: " + s.ToString());
  return std::vector<uint8_t>(text.begin(), text.end());
}

uint32_t Tokenizer::vocabulary() const {
  return static_cast<uint32_t>(impl_->processor.GetPieceSize());
}

#else  // no SentencePiece in this build

bool HaveSentencePiece() { return false; }
struct Tokenizer::Impl {};
Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;
Result<std::unique_ptr<Tokenizer>> Tokenizer::TrainBpe(std::span<const uint8_t>, int) {
  return Status::NotSupported("this build has no SentencePiece (install libsentencepiece-dev)");
}
Result<std::vector<uint32_t>> Tokenizer::Encode(std::span<const uint8_t>) const {
  return Status::NotSupported("no SentencePiece");
}
Result<std::vector<uint8_t>> Tokenizer::Decode(std::span<const uint32_t>) const {
  return Status::NotSupported("no SentencePiece");
}
uint32_t Tokenizer::vocabulary() const { return 0; }

#endif

}  // namespace lmzip::study
