package dev.kvmop.local;

import java.lang.reflect.Field;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CRUD server gives each created object the uid {@code Utils.generateId()}: a per-process
 * counter from 0 ({@code 00000000-0000-0000-0000-000000000001}, ...). The operator identifies a
 * guest's qemu by {@code -uuid <metadata.uid>}, so two processes using the embedded API (two {@code
 * local} runs, or test JVMs, against one host) would hand out the same uids, and one would adopt,
 * stop or remove the other's qemu. Seeding the counter at a random 62-bit value makes those uids
 * unique across processes, as a real API server's random UUIDs are.
 */
final class UniqueUids {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static boolean seeded;

  private UniqueUids() {}

  static synchronized void seed() {
    if (seeded) {
      return;
    }
    try {
      Field f = io.fabric8.kubernetes.client.utils.Utils.class.getDeclaredField("leastSigBits");
      f.setAccessible(true);
      AtomicLong counter = (AtomicLong) f.get(null);
      // Room for 2^62 objects before the counter could wrap; random across processes.
      counter.set(RANDOM.nextLong() >>> 2);
      seeded = true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot seed the embedded API's uid counter (fabric8 Utils.leastSigBits changed?)", e);
    }
  }
}
