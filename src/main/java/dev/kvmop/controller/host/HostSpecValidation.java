package dev.kvmop.controller.host;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.ModulesMode;
import dev.kvmop.api.Patterns;
import dev.kvmop.net.NetworkValidation;
import dev.kvmop.net.PoolValidation;
import dev.kvmop.qemu.MemoryQuantity;
import java.util.ArrayList;
import java.util.List;

/**
 * The CRD schema's checks, repeated in the operator because not every API server (nor the test API)
 * enforces the schema. Each error names the field.
 */
public final class HostSpecValidation {
  private HostSpecValidation() {}

  public static List<String> validate(KvmHostSpec spec) {
    return validate(spec, PoolValidation::validate);
  }

  /**
   * As {@link #validate(KvmHostSpec)}, with the pool's errors from {@code pool} (the host
   * controller's per-generation cache).
   */
  public static List<String> validate(
      KvmHostSpec spec, java.util.function.Function<KvmHostSpec, List<String>> pool) {
    List<String> errors = new ArrayList<>();
    if (spec == null) {
      errors.add("spec: required");
      return errors;
    }
    validateConnection(spec, errors);
    validateWorkDir(spec.workDir, errors);
    range(errors, "spec.probeIntervalSeconds", spec.probeIntervalSeconds, 1, 3600);
    range(errors, "spec.maxSessions", spec.maxSessions, 1, 64);
    range(errors, "spec.maxGuests", spec.maxGuests, 0, Integer.MAX_VALUE);
    validatePlacement(spec, errors);
    validateQemuAndNetwork(spec, errors);
    validateKvm(spec.kvm, errors);
    validateImageCache(spec.imageCache, errors);
    errors.addAll(dev.kvmop.qemu.GuestPolicyChecks.policyErrors(spec.guestPolicy));
    errors.addAll(pool.apply(spec));
    errors.addAll(NetworkValidation.validate(spec));
    return errors;
  }

  private static void validateImageCache(dev.kvmop.api.HostImageCache cache, List<String> errors) {
    if (cache == null || cache.maxSize == null) {
      return; // the default
    }
    try {
      dev.kvmop.qemu.DiskQuantity.bytes(cache.maxSize);
    } catch (IllegalArgumentException e) {
      errors.add("spec.imageCache.maxSize: " + e.getMessage());
    }
  }

  private static void validateConnection(KvmHostSpec spec, List<String> errors) {
    require(errors, "spec.address", spec.address, Patterns.HOST_OR_IP);
    range(errors, "spec.port", spec.port, 1, 65535);
    require(errors, "spec.user", spec.user, Patterns.USER);
    if (spec.credentialsSecretRef == null || spec.credentialsSecretRef.name == null) {
      errors.add("spec.credentialsSecretRef.name: required");
    } else {
      require(
          errors,
          "spec.credentialsSecretRef.name",
          spec.credentialsSecretRef.name,
          Patterns.DNS_NAME);
    }
    if (spec.hostKeyPolicy == null || spec.hostKeyPolicy == HostKeyPolicy.Unrecognized) {
      errors.add("spec.hostKeyPolicy: must be Pinned or TrustOnFirstUse");
    } else if (spec.hostKeyPolicy == HostKeyPolicy.Pinned && isBlank(spec.hostKey)) {
      errors.add("spec.hostKey: required when spec.hostKeyPolicy is Pinned");
    }
    if (!isBlank(spec.hostKey) && !HostKeys.isWellFormed(spec.hostKey)) {
      errors.add("spec.hostKey: not an OpenSSH public key line nor a SHA256:<base64> fingerprint");
    }
  }

  private static void validatePlacement(KvmHostSpec spec, List<String> errors) {
    if (spec.capacity != null) {
      range(errors, "spec.capacity.cpus", spec.capacity.cpus, 0, 65536);
      String memory = spec.capacity.memory;
      if (memory != null && !memory.isEmpty()) {
        try {
          MemoryQuantity.toMebibytes(memory);
        } catch (IllegalArgumentException e) {
          errors.add("spec.capacity.memory: " + e.getMessage());
        }
      }
    }
    if (spec.overcommit != null) {
      overcommit(errors, "spec.overcommit.cpu", spec.overcommit.cpu);
      overcommit(errors, "spec.overcommit.memory", spec.overcommit.memory);
    }
  }

  private static void overcommit(List<String> errors, String field, Double value) {
    if (value == null) {
      errors.add(field + ": required");
    } else if (!(value > 0 && value <= 100)) {
      errors.add(field + ": " + value + " must be more than 0 and at most 100");
    }
  }

  private static void validateWorkDir(String workDir, List<String> errors) {
    // Things below workDir are created and removed (rm -rf <workDir>/guests ...): "/usr/.." or
    // "//" would aim that at the root directory.
    if (workDir == null || workDir.isEmpty()) {
      errors.add("spec.workDir: required");
    } else if (workDir.length() > 1024 || !workDir.matches(Patterns.WORK_DIR)) {
      errors.add(
          "spec.workDir: must be an absolute dedicated directory, not / and without empty, . or .."
              + " segments; got "
              + shorten(workDir));
    } else if (SYSTEM_DIRS.contains(workDir) || workDir.startsWith("/usr/")) {
      errors.add(
          "spec.workDir: "
              + workDir
              + " is a system directory; use a directory of its own such as /var/lib/kvmop");
    }
  }

  /** Directories whose entries (bin, log, ...) the operator must never make or remove. */
  private static final java.util.Set<String> SYSTEM_DIRS =
      java.util.Set.of(
          "/bin",
          "/boot",
          "/dev",
          "/etc",
          "/home",
          "/lib",
          "/lib32",
          "/lib64",
          "/libx32",
          "/media",
          "/mnt",
          "/opt",
          "/proc",
          "/root",
          "/run",
          "/sbin",
          "/srv",
          "/sys",
          "/tmp",
          "/usr",
          "/var",
          "/var/lib",
          "/var/log",
          "/var/tmp",
          "/var/cache",
          "/var/spool",
          "/var/run");

  private static void validateQemuAndNetwork(KvmHostSpec spec, List<String> errors) {
    if (spec.qemu == null) {
      errors.add("spec.qemu: required");
    } else {
      if (isBlank(spec.qemu.binary)) {
        if (spec.kvm == null || spec.kvm.modules != dev.kvmop.api.ModulesMode.Build) {
          errors.add("spec.qemu.binary: required unless spec.kvm.modules is Build");
        }
      } else {
        require(errors, "spec.qemu.binary", spec.qemu.binary, Patterns.ABSOLUTE_PATH);
      }
    }
    if (spec.network == null) {
      errors.add("spec.network: required");
    }
  }

  private static void validateKvm(KvmHostSpec.Kvm kvm, List<String> errors) {
    if (kvm == null || kvm.modules == null || kvm.modules == ModulesMode.Unrecognized) {
      errors.add("spec.kvm.modules: must be Builtin, Modprobe or Build");
      return;
    }
    if (kvm.modules != ModulesMode.Build) {
      return;
    }
    if (kvm.build == null || kvm.build.source == null) {
      errors.add("spec.kvm.build.source: required when spec.kvm.modules is Build");
      return;
    }
    KvmHostSpec.Source src = kvm.build.source;
    if (isBlank(src.url) == isBlank(src.hostPath)) {
      errors.add("spec.kvm.build.source: exactly one of url and hostPath must be set");
    }
    if (!isBlank(src.url)) {
      require(errors, "spec.kvm.build.source.url", src.url, "^https?://[^\\s]+$");
      require(errors, "spec.kvm.build.source.sha256", src.sha256, Patterns.SHA256);
    }
    if (!isBlank(src.hostPath)) {
      require(errors, "spec.kvm.build.source.hostPath", src.hostPath, Patterns.ABSOLUTE_PATH);
    }
  }

  private static void require(List<String> errors, String field, String value, String pattern) {
    if (value == null || value.isEmpty()) {
      errors.add(field + ": required");
    } else if (value.length() > 4096 || !value.matches(pattern)) {
      errors.add(field + ": invalid value " + shorten(value));
    }
  }

  private static void range(List<String> errors, String field, Integer value, int min, int max) {
    if (value == null) {
      errors.add(field + ": required");
    } else if (value < min || value > max) {
      errors.add(field + ": " + value + " is outside " + min + ".." + max);
    }
  }

  static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static String shorten(String value) {
    String v = value.length() > 64 ? value.substring(0, 64) + "..." : value;
    return "\"" + v.replaceAll("\\p{Cntrl}", "?") + "\"";
  }
}
