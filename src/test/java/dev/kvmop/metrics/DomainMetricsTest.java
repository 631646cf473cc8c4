package dev.kvmop.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The label-less series are scraped at zero before their first observation, so that rate() and
 * increase() count that observation (a series that appears with its first increment hides it).
 */
class DomainMetricsTest {
  @Test
  void startAndRestartSeriesExistAtZeroThenCount() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DomainMetrics metrics = new DomainMetrics(registry);
    String before = registry.scrape();
    assertThat(before)
        .contains("\nkvmop_guest_restarts_total 0.0")
        .contains("\nkvmop_guest_start_seconds_count 0")
        .contains("kvmop_guest_start_seconds_bucket{le=\"+Inf\"} 0");

    metrics.guestRestarted();
    metrics.guestStarted(Duration.ofSeconds(3));
    String after = registry.scrape();
    assertThat(after)
        .contains("\nkvmop_guest_restarts_total 1.0")
        .contains("\nkvmop_guest_start_seconds_count 1")
        .contains("kvmop_guest_start_seconds_bucket{le=\"+Inf\"} 1");
  }
}
