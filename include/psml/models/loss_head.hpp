// The losses models put on their output scores S (rows x outputs), with the gradient ∂L/∂S.
// Each is a sum over rows i (with y_i the label):
//   softmax cross-entropy  L = Σ [log Σ_c exp S_ic − S_i,y]          ∂L/∂S = softmax(S) − onehot(y)
//   logistic (1 output)    L = Σ [log(1 + exp s_i) − y_i s_i]        ∂L/∂s = σ(s) − y
//   one-vs-rest hinge      L = Σ_i Σ_c max(0, 1 − t_ic S_ic), t_ic = +1 if c = y_i else −1
//                                                                    ∂L/∂S_ic = −t_ic where the
//                                                                    margin is violated
//   squared hinge          L = Σ_i Σ_c max(0, 1 − t_ic S_ic)²        ∂L/∂S_ic = −2 t_ic max(0, ·)
//                          (smooth: what L-BFGS minimises for the SVM, as LinearSVC's default)
//   squared error          L = Σ ½ ‖S_i − t_i‖², t_i = y_i (regression) or onehot(y_i)
//                                                                    ∂L/∂S = S − t
#pragma once

#include <string>

#include "psml/data/shard.hpp"
#include "psml/models/loss_kind.hpp"
#include "psml/models/model.hpp"

namespace psml::models {

// Returns the loss sum; replaces `scores` with ∂L/∂S.
template <class Scalar>
double loss_and_delta(LossKind kind, data::RowsMapT<Scalar> scores,
                      const data::BatchViewT<Scalar>& batch);

// Loss sum and correct predictions (arg-max class; for logistic, s > 0 means class 1).
// `scratch` holds a copy of the scores while the loss is computed.
template <class Scalar>
EvalSums evaluate_scores(LossKind kind, data::ConstRowsMapT<Scalar> scores,
                         const data::BatchViewT<Scalar>& batch, data::RowBuffer<Scalar>& scratch);

// What the scores mean as a classifier's, from its loss. Cross-entropy and the logistic loss make
// them logits: the softmax of a row (the logistic loss's one score s: σ(s) = P(1)) is the model's
// P(class | row), the probabilities its loss is the negative log-likelihood of. The hinge losses
// make them margins, squared error the values themselves: no probabilities.
bool gives_probabilities(LossKind kind);

// The class a row of scores predicts: the largest score (the first among equals), or for the
// logistic loss's one score, class 1 when s > 0.
template <class Scalar>
std::int32_t predicted_class(LossKind kind, data::ConstRowsMapT<Scalar> scores, Eigen::Index row);

// P(class | row) of each row of logits (gives_probabilities(kind), else throws psml::Error), rows x
// classes: the softmax, or for the logistic loss [1 − σ(s), σ(s)].
template <class Scalar>
void class_probabilities(LossKind kind, data::ConstRowsMapT<Scalar> scores,
                         data::RowMatrixT<Scalar>& out);

// Their logarithms in double, rows x classes, without overflow: the log-softmax, or for the
// logistic loss [log σ(−s), log σ(s)] = [−softplus(s), −softplus(−s)].
template <class Scalar>
void class_log_probabilities(LossKind kind, data::ConstRowsMapT<Scalar> scores,
                             Eigen::MatrixXd& out);

}  // namespace psml::models
