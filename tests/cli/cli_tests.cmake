# End-to-end tests of the psml program (see run_psml.py for the checks).
set(TRAIN --data @DATA@/train.h5 --test @DATA@/test.h5 --epochs 3 --lr 0.1)

# Training works on h5py-written files (gzip float64 / contiguous float32, int64 / uint8 labels).
psml_cli_test(NAME train_synthetic_2_ranks RANKS 2 ARGS train ${TRAIN} EXPECT --min-accuracy 0.9)
psml_cli_test(NAME train_synthetic_4_ranks RANKS 4 ARGS train ${TRAIN} EXPECT --min-accuracy 0.9)
psml_cli_test(NAME train_same_result_on_1_2_4_ranks RANKS 1 ARGS train ${TRAIN}
              EXPECT --compare-ranks 1,2,4 --tolerance 0.002)
psml_cli_test(NAME train_without_test_set RANKS 3 ARGS train --data @DATA@/train.h5 --epochs 1
              EXPECT --stdout "^epoch +1/1 +train_loss")

# The walking skeleton's headline: Fashion-MNIST, 4 ranks, >= 0.84 within 10 epochs; 1, 2 and 4
# ranks with the same global batch end within 0.5 points of each other.
set(FMNIST --data @DATA@/fmnist-train.h5 --test @DATA@/fmnist-t10k.h5 --model softmax --epochs 10
           --batch 128 --lr 0.5 --lr-schedule cosine)
psml_cli_test(NAME fmnist_softmax_4_ranks RANKS 4 ARGS train ${FMNIST} EXPECT --min-accuracy 0.84
              TIMEOUT 300 LABELS fmnist)
psml_cli_test(NAME fmnist_softmax_1_2_4_ranks_agree RANKS 1 ARGS train ${FMNIST}
              EXPECT --compare-ranks 1,2,4 --tolerance 0.005 TIMEOUT 600 LABELS fmnist)

# Data commands.
psml_cli_test(NAME data_inspect RANKS 0 ARGS data inspect @DATA@/fmnist-t10k.h5
              EXPECT --stdout "features +10000 x 784 float32.*\n.*min/max +0 / 1[\\s\\S]*class 9 +1000$")
psml_cli_test(NAME data_inspect_h5py_file RANKS 0 ARGS data inspect @DATA@/train.h5
              EXPECT --stdout "features +2001 x 20 float64, chunked \\(100 x 20\\), gzip")

# Bad input: one line naming the file or option and the problem, non-zero exit, within seconds.
function(psml_bad_input name ranks pattern)
  psml_cli_test(NAME bad_${name} RANKS ${ranks} TIMEOUT 30 ARGS ${ARGN} EXPECT "--error=${pattern}")
endfunction()
psml_bad_input(missing_file 4 "nope.h5: no such file" train --data @DATA@/nope.h5)
psml_bad_input(not_hdf5 4 "not_hdf5.h5: not an HDF5 file" train --data @DATA@/not_hdf5.h5)
psml_bad_input(truncated 2 "truncated.h5: (not an HDF5 file|cannot)" train --data @DATA@/truncated.h5)
psml_bad_input(missing_labels 2 "missing_labels.h5: no dataset '/labels'" train --data @DATA@/missing_labels.h5)
psml_bad_input(missing_features 2 "missing_features.h5: no dataset '/features'" train --data @DATA@/missing_features.h5)
psml_bad_input(row_mismatch 2 "row_mismatch.h5: /features has 2001 rows but /labels has 2000" train --data @DATA@/row_mismatch.h5)
psml_bad_input(label_too_large 4 "label_too_large.h5:/labels: row 1500 has class id 7, outside \\[0, 4\\)" train --data @DATA@/label_too_large.h5)
psml_bad_input(label_negative 4 "label_negative.h5:/labels: row 1900 has class id -1" train --data @DATA@/label_negative.h5)
psml_bad_input(test_label_unknown 2 "label_too_large.h5:/labels: row 1500 has class id 7, outside \\[0, 4\\)" train --data @DATA@/train.h5 --test @DATA@/label_too_large.h5)
psml_bad_input(nan_features 4 "nan_features.h5:/features: row 1500 feature 3 is not finite \\(nan\\)" train --data @DATA@/nan_features.h5)
psml_bad_input(inf_features 3 "inf_features.h5:/features: row 10 feature 0 is not finite \\(inf\\)" train --data @DATA@/inf_features.h5)
psml_bad_input(fewer_rows_than_ranks 4 "tiny.h5: has 3 rows, fewer than the 4 ranks" train --data @DATA@/tiny.h5)
psml_bad_input(empty 2 "empty.h5:/features: is empty" train --data @DATA@/empty.h5)
psml_bad_input(float_labels 2 "float_labels.h5:/labels: classification needs integer class ids, found dtype float32" train --data @DATA@/float_labels.h5)
psml_bad_input(string_features 2 "string_features.h5:/features: dtype string is not numeric" train --data @DATA@/string_features.h5)
psml_bad_input(features_1d 2 "features_1d.h5:/features: must be 2-D" train --data @DATA@/features_1d.h5)
psml_bad_input(test_other_width 2 "other_width.h5: has 7 features, the training data .*train.h5 has 20" train --data @DATA@/train.h5 --test @DATA@/other_width.h5)
psml_bad_input(regression_for_classifier 2 "--model softmax needs classification data, the data is a regression set" train --data @DATA@/regression.h5)
psml_bad_input(lzf_filter 2 "train_lzf.h5:/features: cannot read rows .*lzf" train --data @DATA@/train_lzf.h5)
psml_bad_input(unknown_model 4 "--model: .*bogus.* not in" train --data @DATA@/train.h5 --model bogus)
psml_bad_input(unknown_optimizer 2 "--optimizer: .*" train --data @DATA@/train.h5 --optimizer bogus)
psml_bad_input(negative_lr 2 "--lr: .*" train --data @DATA@/train.h5 --lr -1)
psml_bad_input(zero_batch 2 "--batch: .*" train --data @DATA@/train.h5 --batch 0)
psml_bad_input(unknown_option 2 "--frobnicate" train --data @DATA@/train.h5 --frobnicate)
psml_bad_input(diverged 2 "training diverged: loss is -?(nan|inf) at epoch 1 step [0-9]+" train --data @DATA@/train.h5 --lr 1e38 --epochs 2)
psml_bad_input(idx_bad_magic 0 "bad_magic.idx: bad IDX magic number" data import --images @DATA@/bad_magic.idx --labels @DATA@/bad_magic.idx --out @DATA@/never.h5)
psml_bad_input(idx_lying_sizes 0 "lying.idx: IDX header declares .* values but the file holds 3" data import --images @DATA@/lying.idx --labels @DATA@/lying.idx --out @DATA@/never.h5)
psml_bad_input(inspect_missing 0 "nope.h5: no such file" data inspect @DATA@/nope.h5)
psml_cli_test(NAME bad_options_differ_between_ranks RANKS 2 TIMEOUT 30
              ARGS train --data @DATA@/train.h5 --lr 0.1
              EXPECT --other-args "train --data @DATA@/train.h5 --lr 0.2"
                     --error "ranks were started with different options")
