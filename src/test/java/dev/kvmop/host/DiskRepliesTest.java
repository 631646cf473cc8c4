package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class DiskRepliesTest {
  static final String SHA = "4861cb48d8a7220768ee2f1d017ad9e636d58b51e24247b5f37afdfdb271281e";

  @Test
  void fetchReplies() {
    assertThat(DiskReplies.fetch("result=ok\nsha256=" + SHA + "\nbytes=393216\n"))
        .isEqualTo(new ImageFetch.Result(ImageFetch.Outcome.Fetched, SHA, 393216, null));
    assertThat(DiskReplies.fetch("result=checksum-mismatch\nsha256=" + SHA + "\n"))
        .isEqualTo(new ImageFetch.Result(ImageFetch.Outcome.ChecksumMismatch, SHA, 0, null));
    assertThat(DiskReplies.fetch("result=failed\nerror=curl: (22) ... error: 404 \n").error())
        .isEqualTo("curl: (22) ... error: 404");
    assertThat(DiskReplies.fetch("result=no-downloader\nerror=x\n").outcome())
        .isEqualTo(ImageFetch.Outcome.NoDownloader);
    assertThat(DiskReplies.fetch("result=not-found\nerror=/x does not exist\n").outcome())
        .isEqualTo(ImageFetch.Outcome.NotFound);
    assertThatThrownBy(() -> DiskReplies.fetch("hello\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void progressWithAndWithoutTotal() {
    assertThat(DiskReplies.progress("done=1024\ntotal=4096\n"))
        .isEqualTo(new ImageFetch.Progress(1024, 4096L));
    assertThat(DiskReplies.progress("done=0\ntotal=-\n"))
        .isEqualTo(new ImageFetch.Progress(0, null));
  }

  @Test
  void prepareReport() {
    DiskSetup.Report r =
        DiskReplies.prepare(
            "disk=0 created\ndisk=1 kept\ndisk=2 too-small 67108864\ndisk=3 base-missing\n"
                + "disk=4 changed image "
                + SHA
                + " qcow2\nseed=written\n");
    assertThat(r.states())
        .containsEntry(0, DiskSetup.State.Created)
        .containsEntry(1, DiskSetup.State.Kept)
        .containsEntry(2, DiskSetup.State.TooSmall)
        .containsEntry(3, DiskSetup.State.BaseMissing)
        .containsEntry(4, DiskSetup.State.SourceChanged);
    assertThat(r.virtualSizes()).containsEntry(2, 67108864L);
    assertThat(r.previous()).containsEntry(4, "image " + SHA + " qcow2");
    assertThatThrownBy(() -> DiskReplies.prepare("disk=x created\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void listAndEvict() {
    CachedImages c =
        DiskReplies.list("image " + SHA + " 393216 1796051474\nused " + SHA + "\nnoise\n");
    assertThat(c.images())
        .containsExactly(new CachedImages.Image(SHA, 393216, Instant.ofEpochSecond(1796051474)));
    assertThat(c.inUse()).containsExactly(SHA);
    assertThat(DiskReplies.evicted("kept=aa\nevicted=bb\nevicted=cc\n"))
        .containsExactly("bb", "cc");
  }

  @Test
  void seedInputIsOneBase64LinePerFile() {
    String in =
        DiskVerbs.seedInput(
            new java.util.LinkedHashMap<>(java.util.Map.of("meta-data", "instance-id: \"x\"\n")));
    assertThat(in).isEqualTo("meta-data aW5zdGFuY2UtaWQ6ICJ4Igo=\n");
    new Command("x", java.util.List.of("true"), java.time.Duration.ofSeconds(1), in);
  }
}
