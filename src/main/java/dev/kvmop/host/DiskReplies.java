package dev.kvmop.host;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parses what the host's {@code kvmop-disks} verbs print (pure). */
final class DiskReplies {
  private DiskReplies() {}

  /** {@code key=value} lines; the first of a key counts. */
  static Map<String, String> keyValues(String stdout) {
    Map<String, String> kv = new LinkedHashMap<>();
    for (String line : stdout.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        kv.putIfAbsent(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    return kv;
  }

  static ImageFetch.Result fetch(String stdout) {
    Map<String, String> kv = keyValues(stdout);
    String result = kv.getOrDefault("result", "");
    String error = kv.getOrDefault("error", "");
    String sha = kv.get("sha256");
    return switch (result) {
      case "ok" ->
          new ImageFetch.Result(ImageFetch.Outcome.Fetched, sha, number(kv, "bytes"), null);
      case "checksum-mismatch" ->
          new ImageFetch.Result(ImageFetch.Outcome.ChecksumMismatch, sha, 0, null);
      case "failed" -> new ImageFetch.Result(ImageFetch.Outcome.Failed, null, 0, error);
      case "not-found" -> new ImageFetch.Result(ImageFetch.Outcome.NotFound, null, 0, error);
      case "no-downloader" ->
          new ImageFetch.Result(ImageFetch.Outcome.NoDownloader, null, 0, error);
      default -> throw new IllegalArgumentException("unexpected fetch reply: " + shorten(stdout));
    };
  }

  static ImageFetch.Progress progress(String stdout) {
    Map<String, String> kv = keyValues(stdout);
    String total = kv.getOrDefault("total", "-");
    return new ImageFetch.Progress(
        number(kv, "done"), total.matches("[0-9]{1,18}") ? Long.valueOf(total) : null);
  }

  /** "disk=<i> created|kept|base-missing|too-small <virtual>|changed <what>" lines. */
  static DiskSetup.Report prepare(String stdout) {
    Map<Integer, DiskSetup.State> states = new HashMap<>();
    Map<Integer, Long> sizes = new HashMap<>();
    Map<Integer, String> previous = new HashMap<>();
    for (String line : stdout.split("\n")) {
      if (!line.startsWith("disk=")) {
        continue;
      }
      String[] f = line.substring(5).split(" ", 3);
      if (f.length < 2 || !f[0].matches("[0-9]{1,4}")) {
        throw new IllegalArgumentException("unexpected prepare reply: " + shorten(line));
      }
      int index = Integer.parseInt(f[0]);
      String rest = f.length > 2 ? f[2] : "";
      switch (f[1]) {
        case "created" -> states.put(index, DiskSetup.State.Created);
        case "kept" -> states.put(index, DiskSetup.State.Kept);
        case "base-missing" -> states.put(index, DiskSetup.State.BaseMissing);
        case "too-small" -> {
          states.put(index, DiskSetup.State.TooSmall);
          sizes.put(index, Long.parseLong(rest.strip()));
        }
        case "changed" -> {
          states.put(index, DiskSetup.State.SourceChanged);
          previous.put(index, rest.strip());
        }
        default -> throw new IllegalArgumentException("unexpected prepare reply: " + shorten(line));
      }
    }
    return new DiskSetup.Report(states, sizes, previous);
  }

  /** "image <sha256> <bytes> <mtime>" and "used <sha256>" lines. */
  static CachedImages list(String stdout) {
    List<CachedImages.Image> images = new ArrayList<>();
    Set<String> used = new HashSet<>();
    for (String line : stdout.split("\n")) {
      String[] f = line.strip().split(" ");
      if (f.length == 4 && f[0].equals("image")) {
        images.add(
            new CachedImages.Image(
                f[1], Long.parseLong(f[2]), Instant.ofEpochSecond(Long.parseLong(f[3]))));
      } else if (f.length == 2 && f[0].equals("used")) {
        used.add(f[1]);
      }
    }
    return new CachedImages(images, used);
  }

  /** The sha256 of every "evicted=" line. */
  static List<String> evicted(String stdout) {
    List<String> out = new ArrayList<>();
    for (String line : stdout.split("\n")) {
      if (line.startsWith("evicted=")) {
        out.add(line.substring("evicted=".length()).strip());
      }
    }
    return out;
  }

  private static long number(Map<String, String> kv, String key) {
    String v = kv.getOrDefault(key, "0");
    return v.matches("[0-9]{1,18}") ? Long.parseLong(v) : 0;
  }

  private static String shorten(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
