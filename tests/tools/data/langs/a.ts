interface Shape { area(): number }
type Id = string;
enum Color { Red }
export class Circle implements Shape { area(): number { return compute(1); } }
export function compute(r: number): number { return r }
