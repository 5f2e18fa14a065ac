// Which loss a model puts on its output scores (loss_head.hpp has the math). Its own header so
// that the model interface (model.hpp) can name a model's loss without the loss heads' code.
#pragma once

namespace psml::models {

enum class LossKind { kSoftmaxCrossEntropy, kLogistic, kHinge, kSquaredHinge, kSquared };

const char* to_string(LossKind kind);

}  // namespace psml::models
