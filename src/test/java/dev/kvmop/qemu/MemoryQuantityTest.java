package dev.kvmop.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MemoryQuantityTest {
  @ParameterizedTest
  @CsvSource({
    "512Mi,512",
    "1Mi,1",
    "2Gi,2048",
    "1Ti,1048576",
    "16Ti,16777216",
    "1024Ki,1",
    "1025Ki,2",
    "1048576,1",
    "1048577,2",
    "2M,2",
    "1G,954",
    "1T,953675",
  })
  void toMebibytesRoundsUp(String quantity, long mib) {
    assertThat(MemoryQuantity.toMebibytes(quantity)).isEqualTo(mib);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "1023Ki|1023Ki is less than 1Mi",
        "1048575|1048575 is less than 1Mi",
        "0|0 is less than 1Mi",
        "1M|1M is less than 1Mi",
        "17Ti|17Ti is more than 16Ti",
        "9999999999999Ti|9999999999999Ti is more than 16Ti",
        "512MB|invalid quantity \"512MB\" (e.g. 512Mi, 2Gi)",
        "1.5Gi|invalid quantity \"1.5Gi\" (e.g. 512Mi, 2Gi)",
        "-1Gi|invalid quantity \"-1Gi\" (e.g. 512Mi, 2Gi)",
        "512mi|invalid quantity \"512mi\" (e.g. 512Mi, 2Gi)",
        "99999999999999|invalid quantity \"99999999999999\" (e.g. 512Mi, 2Gi)",
      })
  void rejects(String quantity, String message) {
    assertThatThrownBy(() -> MemoryQuantity.toMebibytes(quantity))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }
}
