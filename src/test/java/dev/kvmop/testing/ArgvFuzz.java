package dev.kvmop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.host.Command;
import dev.kvmop.host.CommandResult;
import dev.kvmop.host.HostException;
import dev.kvmop.host.RemoteShell;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Random argv elements sent through {@link dev.kvmop.host.ShellQuote} (via {@link Command}) to a
 * real remote {@code sh}, which prints each one back NUL-terminated with {@code printf '%s\0'}.
 *
 * <p>Elements are valid Unicode strings (the shell's output comes back as a Java String decoded as
 * UTF-8, so an invalid byte sequence could not round-trip whatever the shell did): every ASCII
 * control except NUL (so newline, CR, tab, ESC, DEL), every shell metacharacter ({@code ' " $ ` \ ;
 * & | < > ( ) { } * ? [ ] ~ # ! %}), C1 controls and Latin-1 (whose UTF-8 bytes 0x80-0x9f collide
 * with dash's internal CTL bytes), combining marks, right-to-left text and bidi overrides, CJK, and
 * astral characters such as emoji.
 */
public final class ArgvFuzz {
  /** How a batch reaches the remote side. */
  public enum Route {
    /** The persistent shell, dash's printf builtin. */
    SHELL_BUILTIN,
    /** The persistent shell, coreutils printf through execve (argv really crosses exec). */
    SHELL_EXEC,
    /** A separate exec channel ({@link RemoteShell#runOnOwnChannel}). */
    OWN_CHANNEL
  }

  /** Outcome of a run. */
  public record Result(int elements, int mismatches, int commands, List<String> examples) {}

  private static final String META = "'\"$`\\;&|<>(){}*?[]~#!% =^,.:-_+/@";
  private static final String[] EDGE = {
    "",
    "'",
    "''",
    "'\\''",
    "\"",
    "\\",
    "\\\\",
    "$",
    "$(id)",
    "`id`",
    "${HOME}",
    "-n",
    "-e",
    "--",
    "%s",
    "%b",
    "\\0",
    "\\n",
    "\n",
    "\r\n",
    " ",
    "\t",
    "; rm -rf /",
    "*",
    "~",
    "a'b\"c$d`e\\f",
    "\u00c1\u00c2\u00c8\u0081\u0088",
    "\u202eevil\u202c",
    "e\u0301\u0302\u0303",
    "\ud83d\ude00\ud83d\udc4d\ud83c\udffd",
  };

  private ArgvFuzz() {}

  /** {@code count} elements from {@code seed}; the first ones are the fixed edge cases. */
  public static List<String> elements(long seed, int count) {
    Random random = new Random(seed);
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(i < EDGE.length ? EDGE[i] : element(random));
    }
    return out;
  }

  static String element(Random random) {
    int length =
        switch (random.nextInt(10)) {
          case 0 -> 0;
          case 1 -> 1;
          case 9 -> 100 + random.nextInt(200);
          default -> 2 + random.nextInt(30);
        };
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.appendCodePoint(codePoint(random));
    }
    return sb.toString();
  }

  private static int codePoint(Random random) {
    return switch (random.nextInt(12)) {
      case 0, 1 -> META.charAt(random.nextInt(META.length()));
      case 2 -> 1 + random.nextInt(0x1f); // controls 0x01-0x1f: \t \n \r ESC ...
      case 3 -> random.nextBoolean() ? 0x7f : '\n';
      case 4 -> 0x20 + random.nextInt(0x5f); // printable ASCII
      case 5 -> 0x80 + random.nextInt(0x180); // C1 controls, Latin-1, Latin Extended
      case 6 -> 0x300 + random.nextInt(0x70); // combining marks
      case 7 ->
          pick(random, 0x5d0 + random.nextInt(27), 0x627 + random.nextInt(20), rtlMark(random));
      case 8 -> 0x1f300 + random.nextInt(0x350); // emoji and pictographs (astral)
      case 9 -> 0x4e00 + random.nextInt(0x5000); // CJK
      case 10 -> 0x10000 + random.nextInt(0x100000 - 0x10000 - 2); // any astral plane
      default -> bmpNonSurrogate(random);
    };
  }

  private static int rtlMark(Random random) {
    int[] marks = {0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2069};
    return marks[random.nextInt(marks.length)];
  }

  private static int pick(Random random, int... options) {
    return options[random.nextInt(options.length)];
  }

  private static int bmpNonSurrogate(Random random) {
    while (true) {
      int cp = 1 + random.nextInt(0xfffd);
      if (cp < 0xd800 || cp > 0xdfff) {
        return cp;
      }
    }
  }

  /**
   * Sends {@code count} elements made from {@code seed} through {@code shell} in batches of 200,
   * rotating through every route (the builtin every other batch), prints one line that names the
   * {@code server}, and fails unless every element came back byte-exact.
   */
  public static void assertRoundTrip(RemoteShell shell, long seed, int count, String server) {
    Result r =
        roundTrip(
            shell,
            elements(seed, count),
            200,
            List.of(Route.SHELL_BUILTIN, Route.SHELL_EXEC, Route.SHELL_BUILTIN, Route.OWN_CHANNEL));
    System.out.println(
        "quoting-fuzz: "
            + r.elements()
            + " elements, "
            + r.mismatches()
            + " mismatches ("
            + r.commands()
            + " commands, seed "
            + seed
            + ", "
            + server
            + ")");
    assertThat(r.examples()).isEmpty();
    assertThat(r.mismatches()).isZero();
    assertThat(r.elements()).isEqualTo(count);
  }

  /**
   * Sends {@code elements} in batches and compares what comes back byte for byte. Routes rotate per
   * batch so every path an operator command can take is covered.
   */
  public static Result roundTrip(
      RemoteShell shell, List<String> elements, int batchSize, List<Route> routes) {
    int mismatches = 0;
    int commands = 0;
    List<String> examples = new ArrayList<>();
    for (int from = 0; from < elements.size(); from += batchSize) {
      List<String> batch = elements.subList(from, Math.min(elements.size(), from + batchSize));
      Route route = routes.get(commands % routes.size());
      List<String> argv = new ArrayList<>();
      argv.add(route == Route.SHELL_EXEC ? "/usr/bin/printf" : "printf");
      argv.add("%s\\0");
      argv.addAll(batch);
      Command command = new Command("fuzz", argv, Duration.ofSeconds(60));
      CommandResult r;
      commands++;
      try {
        r = route == Route.OWN_CHANNEL ? shell.runOnOwnChannel(command) : shell.run(command);
      } catch (HostException e) {
        // A quoting failure can break the shell's framing: the whole batch is lost.
        mismatches += batch.size();
        examples.add(route + " batch at " + from + ": " + e.reason() + " " + e.getMessage());
        continue;
      }
      if (r.exitCode() != 0 || !r.stderr().isEmpty()) {
        mismatches += batch.size();
        examples.add(route + " batch at " + from + ": exit " + r.exitCode() + " " + r.stderr());
        continue;
      }
      String[] back = r.stdout().split("\0", -1);
      // n elements, each NUL-terminated: n + 1 pieces, the last one empty.
      if (back.length != batch.size() + 1 || !back[batch.size()].isEmpty()) {
        mismatches += batch.size();
        examples.add(
            route + " batch at " + from + ": " + (back.length - 1) + " pieces for " + batch.size());
        continue;
      }
      for (int i = 0; i < batch.size(); i++) {
        byte[] want = batch.get(i).getBytes(StandardCharsets.UTF_8);
        byte[] got = back[i].getBytes(StandardCharsets.UTF_8);
        if (!java.util.Arrays.equals(want, got)) {
          mismatches++;
          if (examples.size() < 10) {
            examples.add(
                route
                    + " element "
                    + (from + i)
                    + ": sent "
                    + HexFormat.of().formatHex(want)
                    + " got "
                    + HexFormat.of().formatHex(got));
          }
        }
      }
    }
    return new Result(elements.size(), mismatches, commands, examples);
  }
}
