package dev.kvmop.controller.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.host.CachedImages;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageEvictionTest {
  static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

  static CachedImages.Image image(String sha, long bytes, Duration ago) {
    return new CachedImages.Image(sha, bytes, NOW.minus(ago));
  }

  @Test
  void nothingGoesWhileTheCacheFits() {
    var images = List.of(image("a", 40, Duration.ofDays(9)), image("b", 60, Duration.ofDays(1)));
    assertThat(ImageEviction.order(images, Set.of(), 100, NOW)).isEmpty();
  }

  @Test
  void leastRecentlyUsedGoFirstUntilTheRestFits() {
    var images =
        List.of(
            image("new", 30, Duration.ofHours(1)),
            image("old", 30, Duration.ofDays(3)),
            image("older", 30, Duration.ofDays(5)),
            image("mid", 30, Duration.ofDays(2)));
    assertThat(ImageEviction.order(images, Set.of(), 70, NOW)).containsExactly("older", "old");
    assertThat(ImageEviction.order(images, Set.of(), 60, NOW)).containsExactly("older", "old");
    assertThat(ImageEviction.order(images, Set.of(), 59, NOW))
        .containsExactly("older", "old", "mid");
  }

  @Test
  void imagesInUseOrWantedAndRecentOnesStayEvenOverTheLimit() {
    var images =
        List.of(
            image("used", 50, Duration.ofDays(30)),
            image("wanted", 50, Duration.ofDays(20)),
            image("fresh", 50, Duration.ofMinutes(5)),
            image("idle", 50, Duration.ofDays(10)));
    assertThat(ImageEviction.order(images, Set.of("used", "wanted"), 10, NOW))
        .containsExactly("idle");
  }

  @Test
  void tiesGoBySha256() {
    var images =
        List.of(
            image("b", 10, Duration.ofDays(1)),
            image("a", 10, Duration.ofDays(1)),
            image("c", 10, Duration.ofDays(1)));
    assertThat(ImageEviction.order(images, Set.of(), 15, NOW)).containsExactly("a", "b");
  }
}
