package dev.kvmop.qemu;

import dev.kvmop.api.Accel;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.Patterns;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.api.SpecText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a {@link KvmGuestSpec}; every error names the field path. Repeats the CRD schema checks
 * (not every API server enforces them) and adds what a schema cannot express: options the operator
 * owns, NUL bytes, size limits.
 *
 * <p>Shell metacharacters are not errors: argv elements reach qemu literally, because the host
 * layer quotes every element.
 */
public final class GuestSpecValidation {
  /** Options the operator sets itself; a second one would break process identity or control. */
  static final Set<String> OWNED_OPTIONS =
      Set.of(
          "-daemonize",
          "-pidfile",
          "-qmp",
          "-qmp-pretty",
          "-monitor",
          "-name",
          "-uuid",
          "-runas",
          "-chroot",
          // qemu 9 replacement for -runas/-chroot.
          "-run-with");

  public static final int MAX_ELEMENT_CHARS = 4096;
  public static final int MAX_ARGV_BYTES = 64 * 1024;
  static final int MAX_EXTRA_ARGS = 256;
  static final int MAX_DISKS = 16;

  private static final Pattern MACHINE = Pattern.compile(Patterns.MACHINE);
  private static final Pattern NIC_MODEL = Pattern.compile(Patterns.NIC_MODEL);
  private static final Pattern HOST_OR_IP = Pattern.compile(Patterns.HOST_OR_IP);
  private static final Pattern DOTTED_NUMBERS = Pattern.compile("[0-9.]+");
  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}"
              + "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])");
  private static final Set<String> FORMATS = Set.of("qcow2", "raw", "vmdk", "vdi", "vhdx", "qed");
  private static final Set<String> BUSES = Set.of("virtio", "ide", "scsi", "sd", "none");

  private GuestSpecValidation() {}

  /** Errors, empty when the spec is valid. */
  public static List<String> validate(KvmGuestSpec spec) {
    if (spec == null) {
      return List.of("spec: required");
    }
    List<String> errors = new ArrayList<>();
    FieldChecks.oneOf(spec.runStrategy, RunStrategy.Unrecognized, "spec.runStrategy", errors);
    FieldChecks.oneOf(spec.accel, Accel.Unrecognized, "spec.accel", errors);
    FieldChecks.range(spec.cpus, "spec.cpus", 1, 512, errors);
    checkMemory(spec.memory, errors);
    if (spec.machine == null) {
      errors.add("spec.machine: required");
    } else if (!MACHINE.matcher(spec.machine).matches()) {
      errors.add("spec.machine: invalid machine type " + SpecText.quoted(spec.machine));
    }
    checkDisks(spec.disks, errors);
    CloudInitChecks.check(spec.cloudInit, errors);
    checkKernel(spec.kernel, errors);
    checkNetwork(spec.network, errors);
    checkExtraArgs(spec.extraArgs, errors);
    if (spec.readinessProbe != null) {
      FieldChecks.range(
          spec.readinessProbe.tcpPort, "spec.readinessProbe.tcpPort", 1, 65535, errors);
      FieldChecks.range(
          spec.readinessProbe.periodSeconds, "spec.readinessProbe.periodSeconds", 1, 3600, errors);
    }
    FieldChecks.range(spec.gracePeriodSeconds, "spec.gracePeriodSeconds", 0, 3600, errors);
    int bytes = userArgvBytes(spec);
    if (bytes > MAX_ARGV_BYTES) {
      errors.add("spec: qemu arguments total " + bytes + " bytes, at most " + MAX_ARGV_BYTES);
    }
    return errors;
  }

  private static void checkMemory(String memory, List<String> errors) {
    try {
      MemoryQuantity.toMebibytes(memory);
    } catch (IllegalArgumentException e) {
      errors.add("spec.memory: " + e.getMessage());
    }
  }

  private static void checkDisks(List<KvmGuestSpec.Disk> disks, List<String> errors) {
    if (disks == null) {
      return;
    }
    if (disks.size() > MAX_DISKS) {
      errors.add("spec.disks: " + disks.size() + " disks, at most " + MAX_DISKS);
    }
    for (int i = 0; i < disks.size(); i++) {
      String path = "spec.disks[" + i + "]";
      KvmGuestSpec.Disk disk = disks.get(i);
      if (disk == null) {
        errors.add(path + ": required");
        continue;
      }
      DiskSourceChecks.check(disk, path, errors);
      if (disk.format == null || !FORMATS.contains(disk.format)) {
        errors.add(
            path
                + ".format: must be one of "
                + sorted(FORMATS)
                + ", got "
                + SpecText.quoted(disk.format));
      }
      if (disk.bus == null || !BUSES.contains(disk.bus)) {
        errors.add(
            path + ".bus: must be one of " + sorted(BUSES) + ", got " + SpecText.quoted(disk.bus));
      }
    }
  }

  private static void checkKernel(KvmGuestSpec.Kernel kernel, List<String> errors) {
    if (kernel == null) {
      return;
    }
    FieldChecks.checkPath(kernel.path, "spec.kernel.path", false, errors);
    FieldChecks.checkPath(kernel.initrd, "spec.kernel.initrd", false, errors);
    if (FieldChecks.isEmpty(kernel.path) && !FieldChecks.isEmpty(kernel.initrd)) {
      errors.add("spec.kernel.initrd: needs spec.kernel.path");
    }
    if (FieldChecks.isEmpty(kernel.path) && !FieldChecks.isEmpty(kernel.cmdline)) {
      errors.add("spec.kernel.cmdline: needs spec.kernel.path");
    }
    FieldChecks.checkText(kernel.cmdline, "spec.kernel.cmdline", errors);
  }

  private static void checkNetwork(KvmGuestSpec.Network network, List<String> errors) {
    if (network == null) {
      errors.add("spec.network: required");
      return;
    }
    FieldChecks.oneOf(network.type, NetworkType.Unrecognized, "spec.network.type", errors);
    if (network.model == null || !NIC_MODEL.matcher(network.model).matches()) {
      errors.add("spec.network.model: invalid NIC model " + SpecText.quoted(network.model));
    }
    if (FieldChecks.isEmpty(network.ip)) {
      return;
    }
    if (network.type == NetworkType.None) {
      errors.add("spec.network.ip: must be empty when spec.network.type is None");
    } else if (!isHostOrIpSyntax(network.ip)) {
      errors.add("spec.network.ip: invalid IP address or hostname " + SpecText.quoted(network.ip));
    }
  }

  /**
   * The field's schema pattern, plus dotted-number forms that must be IPv4. Precise IPv6 and
   * hostname rules are left to the allocator: a requested IP must equal a pool entry, and pool
   * entries are validated precisely (this package may not depend on {@code net}).
   */
  private static boolean isHostOrIpSyntax(String ip) {
    if (!HOST_OR_IP.matcher(ip).matches()) {
      return false;
    }
    return !DOTTED_NUMBERS.matcher(ip).matches() || IPV4.matcher(ip).matches();
  }

  private static void checkExtraArgs(List<String> extraArgs, List<String> errors) {
    if (extraArgs == null) {
      return;
    }
    if (extraArgs.size() > MAX_EXTRA_ARGS) {
      errors.add("spec.extraArgs: " + extraArgs.size() + " elements, at most " + MAX_EXTRA_ARGS);
    }
    for (int i = 0; i < extraArgs.size(); i++) {
      String path = "spec.extraArgs[" + i + "]";
      String arg = extraArgs.get(i);
      if (arg == null) {
        errors.add(path + ": required");
        continue;
      }
      if (!FieldChecks.checkText(arg, path, errors)) {
        continue;
      }
      // qemu accepts every option with one or two leading dashes.
      String option = arg.startsWith("--") ? arg.substring(1) : arg;
      if (OWNED_OPTIONS.contains(option)) {
        errors.add(path + ": " + arg + " is set by the operator");
      }
    }
  }

  /** Bytes of the spec strings that end up in the argv; the operator's own part is small. */
  private static int userArgvBytes(KvmGuestSpec spec) {
    long total = 0;
    if (spec.extraArgs != null) {
      for (String arg : spec.extraArgs) {
        total += utf8Length(arg);
      }
    }
    if (spec.disks != null) {
      for (KvmGuestSpec.Disk disk : spec.disks) {
        total += disk == null ? 0 : utf8Length(disk.path);
      }
    }
    if (spec.kernel != null) {
      total += utf8Length(spec.kernel.path);
      total += utf8Length(spec.kernel.initrd);
      total += utf8Length(spec.kernel.cmdline);
    }
    return (int) Math.min(total, Integer.MAX_VALUE);
  }

  private static int utf8Length(String s) {
    return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static List<String> sorted(Set<String> values) {
    return values.stream().sorted().toList();
  }
}
