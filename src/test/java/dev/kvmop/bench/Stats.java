package dev.kvmop.bench;

import java.util.List;

/** Percentiles and number formatting shared by the benchmark programs. */
public final class Stats {
  private Stats() {}

  public static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = values.stream().sorted().toList();
    int mid = s.size() / 2;
    return s.size() % 2 == 1 ? s.get(mid) : (s.get(mid - 1) + s.get(mid)) / 2;
  }

  /** Nearest-rank percentile; 100 is the maximum. */
  public static double pct(List<Double> values, int p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = values.stream().sorted().toList();
    int rank = (int) Math.ceil(p / 100.0 * s.size());
    return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
  }

  public static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    return Math.abs(v) >= 100 ? String.format("%.0f", v) : String.format("%.2f", v);
  }
}
