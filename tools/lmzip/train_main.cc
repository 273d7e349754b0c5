// lmzip-train: the trainer as its own program. It links libtorch, which cannot share
// a process with the tokenizer library in the main `lmzip` binary (two protobuf
// runtimes); `lmzip train ...` runs this program from the same folder.
int TrainMain(int argc, char** argv);

int main(int argc, char** argv) { return TrainMain(argc, argv); }
