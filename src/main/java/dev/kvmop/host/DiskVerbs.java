package dev.kvmop.host;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The image and disk verbs of {@link ShellHostAgent}: each runs the host helper {@code kvmop-disks}
 * once. A fetch runs on an SSH channel of its own (it may take hours); the others are short and use
 * the pooled shell. Seed contents travel on the helper's stdin, never in an argv (an argv can be
 * read by every user of the host).
 */
final class DiskVerbs {
  static final String FILE = HelperFiles.DISKS.name();
  static final Duration SHORT = Duration.ofSeconds(30);
  static final Duration PREPARE_TIMEOUT = Duration.ofMinutes(5);

  private final HelperVerbs helper;

  DiskVerbs(HelperVerbs helper) {
    this.helper = helper;
  }

  static String imagesDir(String workDir) {
    return workDir.replaceAll("/+$", "") + "/images";
  }

  static String guestsDir(String workDir) {
    return workDir.replaceAll("/+$", "") + "/guests";
  }

  ImageFetch.Result fetch(ImageFetch f) throws HostException {
    long seconds = Math.max(1, f.timeout().toSeconds());
    List<String> args =
        List.of(
            "fetch",
            imagesDir(f.workDir()),
            f.job(),
            f.sha256() == null ? "-" : f.sha256(),
            Long.toString(seconds),
            f.url() != null ? "url" : "path",
            f.url() != null ? f.url() : f.hostPath());
    Duration timeout = f.timeout().plusSeconds(60);
    String out =
        helper
            .run(f.workDir(), new HelperVerbs.Call(FILE, "image-fetch", timeout, args, null, true))
            .stdout();
    return parsed(() -> DiskReplies.fetch(out));
  }

  ImageFetch.Progress progress(String workDir, String job) throws HostException {
    String out =
        run(workDir, "image-progress", SHORT, List.of("progress", imagesDir(workDir), job));
    return parsed(() -> DiskReplies.progress(out));
  }

  DiskSetup.Report prepare(DiskSetup setup) throws HostException {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "prepare",
            setup.guestDir(),
            imagesDir(setup.workDir()),
            setup.seed() == null ? "noseed" : "seed",
            "--"));
    for (DiskSetup.Disk d : setup.disks()) {
      args.add(Integer.toString(d.index()));
      args.add(d.isImage() ? "image" : "empty");
      args.add(d.isImage() ? d.baseSha256() : "-");
      args.add(d.isImage() ? d.baseFormat() : "-");
      args.add(d.sizeBytes() == null ? "-" : Long.toString(d.sizeBytes()));
    }
    String input = setup.seed() == null ? null : seedInput(setup.seed());
    String out =
        helper
            .run(
                setup.workDir(),
                new HelperVerbs.Call(FILE, "disks-prepare", PREPARE_TIMEOUT, args, input, false))
            .stdout();
    return parsed(() -> DiskReplies.prepare(out));
  }

  void wipe(String guestDir) throws HostException {
    run(GuestDirPath.workDirOf(guestDir), "disks-wipe", SHORT, List.of("wipe", guestDir));
  }

  CachedImages list(String workDir) throws HostException {
    String out =
        run(workDir, "image-list", SHORT, List.of("list", imagesDir(workDir), guestsDir(workDir)));
    return parsed(() -> DiskReplies.list(out));
  }

  List<String> evict(String workDir, List<String> sha256s) throws HostException {
    List<String> args = new ArrayList<>(List.of("evict", imagesDir(workDir), guestsDir(workDir)));
    args.addAll(sha256s);
    return DiskReplies.evicted(run(workDir, "image-evict", Duration.ofSeconds(90), args));
  }

  /** One "<name> <base64 of content>" line per seed file. */
  static String seedInput(Map<String, String> files) {
    StringBuilder sb = new StringBuilder();
    files.forEach(
        (name, content) ->
            sb.append(name)
                .append(' ')
                .append(
                    Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8)))
                .append('\n'));
    return sb.toString();
  }

  private String run(String workDir, String op, Duration timeout, List<String> args)
      throws HostException {
    return helper.run(workDir, HelperVerbs.Call.of(FILE, op, timeout, args)).stdout();
  }

  private interface Parse<T> {
    T get();
  }

  private static <T> T parsed(Parse<T> parse) throws HostException {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw new HostException(HostException.Reason.CommandFailed, e.getMessage(), e);
    }
  }
}
