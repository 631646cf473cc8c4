package dev.kvmop.testing;

import java.util.List;

/**
 * Stands in for the kvm-operator jar's command line in plugin tests: {@code --help} lists the
 * subcommands named in {@code FAKE_CLI_COMMANDS} (comma-separated) as picocli does (wrapped
 * descriptions included), anything else prints the arguments it got, one per line after "args:".
 */
public final class FakeOperatorCli {
  private FakeOperatorCli() {}

  public static void main(String[] args) {
    if (args.length == 1 && args[0].equals("--help")) {
      System.out.println("Usage: kvm-operator [-hV] [COMMAND]");
      System.out.println("Commands:");
      for (String c : System.getenv().getOrDefault("FAKE_CLI_COMMANDS", "").split(",")) {
        if (!c.isBlank()) {
          System.out.println("  " + c + "  does " + c + ", a description long enough to wrap;");
          // picocli's wrapped description lines: their first word is not a subcommand
          System.out.println("           console and logs are words here.");
        }
      }
      return;
    }
    System.out.println("args:");
    List.of(args).forEach(System.out::println);
  }
}
