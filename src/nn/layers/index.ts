/** The nn layers (MindSpore 2.3's mindspore.nn.layer): containers, convolutions, pooling, normalisation, recurrent and attention layers. */
export { SequentialCell, CellList, CellDict } from "./container.js";
export { Flatten, Dropout, Embedding } from "./basic.js";
export { Conv1d, Conv2d, Conv2dTranspose } from "./conv.js";
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from "./pooling.js";
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm } from "./normalization.js";
export { RNN, LSTM, GRU } from "./rnn.js";
export { MultiheadAttention, TransformerEncoderLayer } from "./transformer.js";
