/**
 * Checkpoints: MindSpore's .ckpt format (protobuf, see checkpoint.proto) and
 * safetensors. `save_checkpoint` / `load_checkpoint` use files (Node);
 * `save_checkpoint_to_bytes` / `load_checkpoint_from_bytes` and
 * `load_param_into_net` need no file system.
 */
export { save_checkpoint, load_checkpoint } from "./checkpoint.js";
export { load_param_into_net, save_checkpoint_to_bytes, load_checkpoint_from_bytes, type ParamDict, type SaveObj, type CheckpointFormat } from "./serialization.js";
