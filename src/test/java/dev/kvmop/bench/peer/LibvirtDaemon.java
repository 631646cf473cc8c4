package dev.kvmop.bench.peer;

import dev.kvmop.bench.MachineInfo;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * libvirtd and virtlogd from Debian's packages, run as root without systemd or D-Bus (their
 * warnings about both are harmless). Started in the foreground as this JVM's children with their
 * logs in the bench's directory, and stopped by their pid; a libvirtd already running is used as it
 * is and left running.
 */
final class LibvirtDaemon implements AutoCloseable {
  static final Path LIBVIRTD = Path.of("/usr/sbin/libvirtd");
  static final Path VIRTLOGD = Path.of("/usr/sbin/virtlogd");
  static final Path SOCKET = Path.of("/run/libvirt/libvirt-sock");
  private static final Path KVM = Path.of("/dev/kvm");

  /**
   * Makes itself the child subreaper (prctl PR_SET_CHILD_SUBREAPER; x86_64 syscall 157, option 36),
   * runs its arguments as its child, forwards SIGTERM to it and reaps every orphan below it at once
   * until that child exits.
   */
  static final String REAPER =
      "syscall(157, 36, 1) == 0 or warn \"no subreaper: $!\\n\";"
          + " my $c = fork() // die \"fork: $!\"; if ($c == 0) { exec(@ARGV) or die \"exec: $!\"; }"
          + " $SIG{TERM} = sub { kill(\"TERM\", $c) };"
          + " while (1) { my $w = waitpid(-1, 0); if ($w == $c) { exit($? >> 8) }"
          + " last if $w < 0 && !$!{EINTR}; }";

  private final Path dir;
  private final PrintStream out;
  private final List<Process> started = new ArrayList<>();
  private final List<String> setupNotes = new ArrayList<>();
  private PosixFileAttributes kvmBefore;

  private LibvirtDaemon(Path dir, PrintStream out) {
    this.dir = dir;
    this.out = out;
  }

  /** Prepares the qemu user and /dev/kvm, then starts the daemons unless libvirtd is running. */
  static LibvirtDaemon start(Path dir, PrintStream out) throws Exception {
    if (!Files.isExecutable(LIBVIRTD) || !Files.isExecutable(VIRTLOGD)) {
      throw new IllegalStateException(
          "libvirt missing: apt-get install --no-install-recommends libvirt-daemon"
              + " libvirt-daemon-driver-qemu libvirt-clients (make bench-peer does)");
    }
    if (!System.getProperty("user.name").equals("root")) {
      throw new IllegalStateException("the libvirt side runs as root (qemu:///system)");
    }
    LibvirtDaemon d = new LibvirtDaemon(dir, out);
    try {
      d.prepareQemuUser();
      d.startDaemons();
    } catch (Exception | Error e) {
      d.close();
      throw e;
    }
    return d;
  }

  /**
   * Debian's libvirt runs qemu as libvirt-qemu, a member of group kvm, and its udev rule makes
   * /dev/kvm root:kvm 0660; libvirt-daemon-system sets that up, systemd's udev applies it. Without
   * it libvirt sees /dev/kvm it cannot use as libvirt-qemu, discards its cached qemu capabilities
   * at every lookup ("KVM was enabled when probing ..., but it is not available now") and probes
   * qemu again about ten times per domain start: 43 s per start measured here instead of 0.6 s.
   */
  private void prepareQemuUser() throws Exception {
    if (!run("getent", "group", "kvm")) {
      mustRun("groupadd", "--system", "kvm");
      setupNotes.add("created group kvm");
    }
    if (!run("getent", "group", "libvirt-qemu")) {
      mustRun("groupadd", "--system", "libvirt-qemu");
      setupNotes.add("created group libvirt-qemu");
    }
    if (!run("getent", "passwd", "libvirt-qemu")) {
      mustRun(
          "useradd",
          "--system",
          "-g",
          "libvirt-qemu",
          "-G",
          "kvm",
          "-d",
          "/var/lib/libvirt",
          "-s",
          "/usr/sbin/nologin",
          "libvirt-qemu");
      setupNotes.add("created user libvirt-qemu (group libvirt-qemu, member of kvm)");
    } else if (!MachineInfo.sh("id", "-nG", "libvirt-qemu").contains("kvm")) {
      mustRun("usermod", "-aG", "kvm", "libvirt-qemu");
      setupNotes.add("added libvirt-qemu to group kvm");
    }
    if (Files.exists(KVM)) {
      PosixFileAttributeView view = Files.getFileAttributeView(KVM, PosixFileAttributeView.class);
      PosixFileAttributes attrs = view.readAttributes();
      if (!attrs.group().getName().equals("kvm")
          || !attrs.permissions().containsAll(PosixFilePermissions.fromString("---rw----"))) {
        kvmBefore = attrs;
        GroupPrincipal kvm =
            KVM.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("kvm");
        view.setGroup(kvm);
        view.setPermissions(PosixFilePermissions.fromString("rw-rw----"));
        setupNotes.add(
            "/dev/kvm "
                + PosixFilePermissions.toString(attrs.permissions())
                + " "
                + attrs.owner().getName()
                + ":"
                + attrs.group().getName()
                + " made root:kvm rw-rw---- as Debian's udev rule does, restored at the end");
      }
    }
  }

  private void startDaemons() throws Exception {
    if (Files.exists(SOCKET) && run("virsh", "-c", "qemu:///system", "version")) {
      setupNotes.add("libvirtd was already running: used as it is, not stopped by the bench");
      return;
    }
    // Both refuse to start without their log directory, which the packages do not create.
    Files.createDirectories(Path.of("/var/log/libvirt"));
    Path virtlogdConf = dir.resolve("virtlogd.conf");
    Files.writeString(virtlogdConf, "log_outputs=\"3:file:" + dir.resolve("virtlogd.log") + "\"\n");
    Path libvirtdConf = dir.resolve("libvirtd.conf");
    Files.writeString(libvirtdConf, "log_outputs=\"3:file:" + dir.resolve("libvirtd.log") + "\"\n");
    started.add(daemon(List.of(), VIRTLOGD, virtlogdConf, "virtlogd.out"));
    started.add(daemon(List.of("perl", "-e", REAPER), LIBVIRTD, libvirtdConf, "libvirtd.out"));
    setupNotes.add(
        "libvirtd runs under a subreaper that reaps its orphaned qemu at once, as a host's init"
            + " does; this machine's pid 1 reaps orphans only every ~2 s, and libvirt waits for a"
            + " killed qemu to be reaped before it reports the domain stopped");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!run("virsh", "-c", "qemu:///system", "version")) {
      for (Process p : started) {
        if (!p.isAlive()) {
          throw new IllegalStateException(p.info().command().orElse("daemon") + " exited");
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("libvirtd did not answer within 60 s");
      }
      Thread.sleep(200);
    }
    out.println("   started virtlogd pid " + started.get(0).pid() + ", libvirtd pid " + libvirtd());
  }

  private Process daemon(List<String> wrapper, Path binary, Path conf, String log)
      throws IOException {
    List<String> cmd = new ArrayList<>(wrapper);
    cmd.addAll(List.of(binary.toString(), "-f", conf.toString()));
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(log).toFile())
        .start();
  }

  /** libvirtd's pid (under the reaper when the bench started it), or -1. */
  long libvirtd() {
    return pidOf(LIBVIRTD);
  }

  /** virtlogd's pid, or -1. */
  long virtlogd() {
    return started.size() == 2 ? started.get(0).pid() : pidOf(VIRTLOGD);
  }

  /** What the bench changed on the machine to run libvirt. */
  List<String> setupNotes() {
    return setupNotes;
  }

  static String version() {
    return MachineInfo.firstLine(MachineInfo.sh(LIBVIRTD.toString(), "--version"));
  }

  private static long pidOf(Path binary) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().map(c -> c.equals(binary.toString())).orElse(false))
        .mapToLong(ProcessHandle::pid)
        .findFirst()
        .orElse(-1);
  }

  /** Stops the daemons this bench started (libvirtd first) and restores /dev/kvm. */
  @Override
  public void close() {
    for (int i = started.size() - 1; i >= 0; i--) {
      Process p = started.get(i);
      p.destroy();
      try {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (kvmBefore != null) {
      try {
        PosixFileAttributeView view = Files.getFileAttributeView(KVM, PosixFileAttributeView.class);
        view.setGroup(kvmBefore.group());
        view.setPermissions(kvmBefore.permissions());
      } catch (IOException e) {
        out.println("could not restore /dev/kvm: " + e);
      }
    }
  }

  private static boolean run(String... cmd) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  private static void mustRun(String... cmd) throws IOException, InterruptedException {
    if (!run(cmd)) {
      throw new IllegalStateException("failed: " + String.join(" ", cmd));
    }
  }
}
