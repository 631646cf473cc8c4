package dev.kvmop.bench;

import dev.kvmop.testing.OperatorProcess;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The operator in steady state: remote commands from its own metrics, its CPU and RSS. */
public final class SteadySampler {
  private static final String COMMANDS = "kvmop_ssh_command_seconds_count";
  private static final Pattern OP = Pattern.compile("op=\"([^\"]*)\"");

  /**
   * @param probes probe commands in the window
   * @param commands all remote commands in the window
   * @param intervals the window in probe intervals
   * @param perOp remote commands per interval by op
   */
  public record Steady(
      double probes,
      double commands,
      double intervals,
      double cpuPct,
      double rssMaxMb,
      Map<String, Double> perOp) {}

  private SteadySampler() {}

  /** Lets one interval pass, then samples the operator over {@code windowSeconds}. */
  public static Steady sample(OperatorProcess operator, int interval, int windowSeconds)
      throws Exception {
    Thread.sleep(interval * 1000L + 1000);
    double p0 = operator.metricSum(COMMANDS, "op=\"probe\"");
    double c0 = operator.metricSum(COMMANDS);
    Map<String, Double> ops0 = commandsByOp(operator);
    long t0 = System.nanoTime();
    ProcessUsage.Result usage =
        ProcessUsage.over(Duration.ofSeconds(windowSeconds), operator.pid());
    double p1 = operator.metricSum(COMMANDS, "op=\"probe\"");
    double c1 = operator.metricSum(COMMANDS);
    Map<String, Double> perOp = new TreeMap<>();
    commandsByOp(operator)
        .forEach(
            (op, v) -> {
              double d = v - ops0.getOrDefault(op, 0.0);
              if (d > 0) {
                perOp.put(op, d / ((System.nanoTime() - t0) / 1e9 / interval));
              }
            });
    return new Steady(
        p1 - p0, c1 - c0, usage.seconds() / interval, usage.cpuPct(), usage.rssMaxMb(), perOp);
  }

  /** kvmop_ssh_command_seconds_count summed per op label. */
  public static Map<String, Double> commandsByOp(OperatorProcess operator) {
    Map<String, Double> byOp = new TreeMap<>();
    for (String line : operator.metrics().split("\n")) {
      if (line.startsWith(COMMANDS + "{")) {
        Matcher m = OP.matcher(line);
        String op = m.find() ? m.group(1) : "?";
        byOp.merge(op, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
      }
    }
    return byOp;
  }
}
