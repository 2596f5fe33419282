export function pngSize(buf: Buffer): { width: number; height: number };
export function writeIco(images: Buffer[]): Buffer;
export function readIco(buf: Buffer): Array<{ width: number; height: number; png: { width: number; height: number } }>;
export const ICNS_TYPES: Array<[string, number]>;
export function writeIcns(byPixels: Map<number, Buffer>): Buffer;
export function readIcns(buf: Buffer): Array<{ type: string; png: { width: number; height: number } }>;
