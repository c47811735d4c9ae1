/**
 * A stand-in for a class with only the methods a spec gives it: calling any other fails the spec at
 * once, naming the method, so that a spec cannot pass by a call nobody thought about.
 */
export function strictFake<T extends object>(name: string, methods: Partial<T>): T {
  return new Proxy(methods as T, {
    get(target, property, receiver) {
      if (property in target || typeof property === 'symbol' || property === 'then') {
        return Reflect.get(target, property, receiver) as unknown;
      }
      throw new Error(`${name}.${String(property)} was called, but the spec gave no stand-in for it`);
    },
  });
}
