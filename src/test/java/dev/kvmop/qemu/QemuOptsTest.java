package dev.kvmop.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QemuOptsTest {
  @Test
  void doublesCommas() {
    assertThat(QemuOpts.escape("/a,b,,c")).isEqualTo("/a,,b,,,,c");
    assertThat(QemuOpts.escape("plain")).isEqualTo("plain");
    assertThat(QemuOpts.escape("")).isEmpty();
  }
}
