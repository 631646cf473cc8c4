package dev.kvmop.qemu;

import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.NetworkType;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the qemu argv of a guest. The result is a list of argv elements, never shell text: it
 * reaches the host's shell only through the host layer's single quoting step.
 *
 * <p>Values placed inside a comma-separated option ({@code -name}, {@code -machine}, {@code
 * -drive}, {@code -netdev}, {@code -device}, {@code -qmp unix:}) go through {@link
 * QemuOpts#escape}. Options that take a whole argument as a plain string ({@code -kernel}, {@code
 * -initrd}, {@code -append}, {@code -L}, {@code -pidfile}) are not escaped, since qemu would then
 * see the doubled commas literally.
 *
 * <p>qemu's stderr is not named here: the launcher redirects it to {@link GuestDirs#qemuLog()}.
 *
 * <p>The unix sockets are named relative to the guest directory, where the launcher starts qemu: an
 * absolute path could exceed the 107 bytes of a socket address (a long workDir or guest name).
 * Every other file stays absolute, since qemu -daemonize changes to / once it is set up.
 */
public final class QemuArgs {
  /** The guest's single NIC backend id. */
  static final String NETDEV_ID = "net0";

  /** qemu's seccomp filter with everything an unprivileged guest needs not denied. */
  static final String SANDBOX =
      "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny";

  private QemuArgs() {}

  public static List<String> build(LaunchSpec launch) {
    KvmGuestSpec spec = launch.spec();
    GuestDirs dirs = new GuestDirs(launch.guestDir());
    List<String> argv = new ArrayList<>();
    argv.add(launch.qemuBinary());
    add(argv, "-name", "guest=" + QemuOpts.escape(launch.namespace() + "/" + launch.name()));
    add(argv, "-uuid", launch.uid());
    add(argv, "-machine", QemuOpts.escape(spec.machine) + ",accel=" + launch.accel());
    add(argv, "-m", MemoryQuantity.toMebibytes(spec.memory) + "M");
    add(argv, "-smp", Integer.toString(spec.cpus));
    if (spec.disks != null) {
      for (int i = 0; i < spec.disks.size(); i++) {
        add(argv, "-drive", drive(spec.disks.get(i), i, dirs));
      }
    }
    if (spec.cloudInit != null) {
      add(argv, "-drive", seedDrive(dirs));
    }
    addKernel(argv, spec.kernel);
    addNetwork(argv, launch);
    if (launch.biosDir() != null && !launch.biosDir().isEmpty()) {
      add(argv, "-L", launch.biosDir());
    }
    add(argv, "-display", "none");
    argv.add("-daemonize");
    add(argv, "-pidfile", dirs.pidFile());
    add(argv, "-qmp", "unix:" + GuestDirs.QMP_SOCKET + ",server=on,wait=off");
    // A second monitor for the host's event watcher (records guest-initiated SHUTDOWN events).
    add(
        argv,
        "-chardev",
        "socket,id="
            + GuestDirs.EVENTS_CHARDEV
            + ",path="
            + GuestDirs.EVENTS_SOCKET
            + ",server=on,wait=off");
    add(argv, "-mon", "chardev=" + GuestDirs.EVENTS_CHARDEV + ",mode=control");
    addSerial(argv, dirs);
    addConfinement(argv, launch.runAs());
    if (spec.extraArgs != null) {
      argv.addAll(spec.extraArgs);
    }
    return List.copyOf(argv);
  }

  /**
   * An unprivileged qemu: it drops to the user after setting up (files and sockets are opened
   * first), and the seccomp sandbox keeps it from regaining privileges or starting programs.
   */
  private static void addConfinement(List<String> argv, String runAs) {
    if (runAs == null || runAs.isEmpty()) {
      return;
    }
    add(argv, "-runas", runAs);
    add(argv, "-sandbox", SANDBOX);
  }

  /** The serial port: a socket a console can attach to, logged to serial.log all the while. */
  private static void addSerial(List<String> argv, GuestDirs dirs) {
    add(
        argv,
        "-chardev",
        "socket,id="
            + GuestDirs.CONSOLE_CHARDEV
            + ",path="
            + GuestDirs.CONSOLE_SOCKET
            + ",server=on,wait=off,logfile="
            + QemuOpts.escape(dirs.serialLog())
            + ",logappend=on");
    add(argv, "-serial", "chardev:" + GuestDirs.CONSOLE_CHARDEV);
  }

  /** A path disk as it is; an image or empty disk is the guest's own qcow2 file. */
  private static String drive(KvmGuestSpec.Disk disk, int index, GuestDirs dirs) {
    boolean owned = OwnedDisks.owned(disk);
    String drive =
        "file="
            + QemuOpts.escape(owned ? dirs.disk(index) : disk.path)
            + ",format="
            + QemuOpts.escape(owned ? "qcow2" : disk.format)
            + ",if="
            + QemuOpts.escape(disk.bus);
    return Boolean.TRUE.equals(disk.readOnly) ? drive + ",readonly=on" : drive;
  }

  /**
   * The cloud-init NoCloud seed: qemu's own vvfat driver presents the seed directory as a read-only
   * FAT disk labelled cidata, so the host needs no tool to make a filesystem image.
   */
  private static String seedDrive(GuestDirs dirs) {
    return "driver=vvfat,dir="
        + QemuOpts.escape(dirs.seedDir())
        + ",label=cidata,read-only=on,if=virtio";
  }

  private static void addKernel(List<String> argv, KvmGuestSpec.Kernel kernel) {
    if (kernel == null || isEmpty(kernel.path)) {
      return;
    }
    add(argv, "-kernel", kernel.path);
    if (!isEmpty(kernel.initrd)) {
      add(argv, "-initrd", kernel.initrd);
    }
    if (!isEmpty(kernel.cmdline)) {
      add(argv, "-append", kernel.cmdline);
    }
  }

  private static void addNetwork(List<String> argv, LaunchSpec launch) {
    KvmGuestSpec.Network network = launch.spec().network;
    NetworkType type = network == null ? NetworkType.None : network.type;
    if (type == NetworkType.None) {
      add(argv, "-nic", "none");
      return;
    }
    if (isEmpty(launch.mac())) {
      throw new IllegalArgumentException("network " + type + " needs a MAC");
    }
    if (type == NetworkType.Bridge) {
      if (isEmpty(launch.ifupScript())) {
        throw new IllegalArgumentException("network Bridge needs the ifup script");
      }
      add(
          argv,
          "-netdev",
          "tap,id="
              + NETDEV_ID
              + ",script="
              + QemuOpts.escape(launch.ifupScript())
              + ",downscript=no");
    } else {
      add(argv, "-netdev", "user,id=" + NETDEV_ID);
    }
    add(
        argv,
        "-device",
        QemuOpts.escape(network.model)
            + ",netdev="
            + NETDEV_ID
            + ",mac="
            + QemuOpts.escape(launch.mac()));
  }

  private static void add(List<String> argv, String option, String value) {
    argv.add(option);
    argv.add(value);
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
