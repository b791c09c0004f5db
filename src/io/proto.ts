/**
 * The checkpoint.proto schema, inlined so the build needs no file next to it
 * (and a browser bundle can use it), parsed once with protobufjs. The text
 * must stay identical to src/io/checkpoint.proto: a test compares them.
 */
import protobuf from "protobufjs";

export const CHECKPOINT_PROTO = `
// MindSpore's checkpoint (.ckpt) schema, as written by
// mindspore.save_checkpoint. No package: the message is Checkpoint
// (protoc --decode=Checkpoint checkpoint.proto < net.ckpt).
//
// A .ckpt file is a sequence of serialized Checkpoint messages, one per
// (slice of a) parameter; because protobuf merges concatenated messages by
// appending to repeated fields, the whole file parses as one Checkpoint.
// Slices of one large tensor are consecutive Values with the same tag and the
// same dims; their tensor_content bytes are concatenated on load.
//
// mindspore-ts keeps a copy of this text in proto.ts (test/checkpoint.test.ts
// checks that the two agree).
syntax = "proto2";

message Checkpoint {
    message Value {
        // the parameter's name, e.g. "fc.weight"
        required string tag = 1;
        oneof value {
            TensorProto tensor = 2;
            // MapParameter slices (key, value, status tensors); not supported by mindspore-ts
            MapTensorProto maptensor = 3;
        }
    }
    repeated Value value = 1;
}

message TensorProto {
    // the full shape of the tensor (repeated in every slice); empty for a 0-d tensor
    repeated int64 dims = 1;
    // MindSpore's dtype name: "Float32", "Int64", "Bool", ... or "str"
    required string tensor_type = 2;
    // raw little-endian element bytes, row-major (a slice of them when split)
    required bytes tensor_content = 3;
}

message MapTensorProto {
    repeated TensorProto tensor = 1;
}
`.slice(1);

// keepCase: field names stay snake_case as in the .proto (tensor_type, not tensorType)
const root = protobuf.parse(CHECKPOINT_PROTO, { keepCase: true }).root;

/** `Checkpoint` message type (the whole file). */
export const CheckpointType: protobuf.Type = root.lookupType("Checkpoint");

/** What protobufjs decodes int64 fields into: a number, or a Long when `long` is installed. */
export type Int64 = number | { toNumber(): number; toString(): string };

export interface TensorProtoMsg {
  dims: Int64[];
  tensor_type: string;
  tensor_content: Uint8Array;
}
export interface ValueMsg {
  tag: string;
  tensor?: TensorProtoMsg | null;
  maptensor?: { tensor: TensorProtoMsg[] } | null;
}
export interface CheckpointMsg {
  value: ValueMsg[];
}
