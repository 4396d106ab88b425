// pbbp2.Frame, the one message every WebSocket binary frame of the long connection carries. The schema
// is the SDKs' (node-sdk `pbbp2`, oapi-sdk-go `ws/pbbp2.pb.go`), proto2 with required fields:
//
//   message Header { required string key = 1; required string value = 2; }
//   message Frame  { required uint64 SeqID = 1; required uint64 LogID = 2; required int32 service = 3;
//                    required int32 method = 4; repeated Header headers = 5; optional string payloadEncoding = 6;
//                    optional string payloadType = 7; optional bytes payload = 8; optional string LogIDNew = 9; }
//
// Required fields are written even when 0: the SDK's decoder throws on a frame that lacks one.
// The SDK sets protobufjs's shared `util.Long` to undefined when it loads; the types are resolved here at
// once and fed plain numbers, so they work whichever of the two modules loads first.
import protobuf from 'protobufjs';

const { Field, Type } = protobuf;

const HeaderType = new Type('Header')
  .add(new Field('key', 1, 'string', 'required'))
  .add(new Field('value', 2, 'string', 'required'));

const FrameType = new Type('Frame')
  .add(new Field('SeqID', 1, 'uint64', 'required'))
  .add(new Field('LogID', 2, 'uint64', 'required'))
  .add(new Field('service', 3, 'int32', 'required'))
  .add(new Field('method', 4, 'int32', 'required'))
  .add(new Field('headers', 5, 'Header', 'repeated'))
  .add(new Field('payloadEncoding', 6, 'string', 'optional'))
  .add(new Field('payloadType', 7, 'string', 'optional'))
  .add(new Field('payload', 8, 'bytes', 'optional'))
  .add(new Field('LogIDNew', 9, 'string', 'optional'));

new protobuf.Root().define('pbbp2').add(HeaderType).add(FrameType).root.resolveAll();

export interface FrameHeader {
  key: string;
  value: string;
}

export interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: FrameHeader[];
  payloadEncoding?: string;
  payloadType?: string;
  payload?: Uint8Array;
  LogIDNew?: string;
}

export function encodeFrame(frame: Frame): Uint8Array {
  return FrameType.encode(frame).finish();
}

/** Decodes one frame; throws on bytes that are not a complete pbbp2.Frame (a required field missing included). */
export function decodeFrame(bytes: Uint8Array): Frame {
  return FrameType.toObject(FrameType.decode(bytes), { longs: Number, arrays: true }) as Frame;
}

/** The value of the first header named `key`. */
export function headerOf(frame: Pick<Frame, 'headers'>, key: string): string | undefined {
  return frame.headers.find((header) => header.key === key)?.value;
}

/** The headers as a record (the last of repeated keys wins, as the SDK reads them). */
export function headerRecord(frame: Pick<Frame, 'headers'>): Record<string, string> {
  return Object.fromEntries(frame.headers.map((header) => [header.key, header.value]));
}
