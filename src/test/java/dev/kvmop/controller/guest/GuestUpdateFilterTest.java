package dev.kvmop.controller.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import org.junit.jupiter.api.Test;

/** Arguments in JOSDK's order: {@code accept(newResource, oldResource)}. */
class GuestUpdateFilterTest {
  private final OnUpdateFilter<KvmGuest> filter = new GuestUpdateFilter();

  @Test
  void deletionMarkOnTheNewVersionIsAccepted() {
    KvmGuest old = guest();
    KvmGuest marked = guest();
    marked.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
    assertThat(filter.accept(marked, old)).isTrue();
  }

  @Test
  void ownStatusWriteIsNotAccepted() {
    KvmGuest old = guest();
    KvmGuest updated = guest();
    updated.setStatus(new KvmGuestStatus());
    assertThat(filter.accept(updated, old)).isFalse();
  }

  @Test
  void actionTokenAndSpecChangeAreAccepted() {
    KvmGuest old = guest();
    KvmGuest token = guest();
    token.getMetadata().getAnnotations().put(dev.kvmop.api.Annotations.RESET, "r1");
    assertThat(filter.accept(token, old)).isTrue();
    KvmGuest edited = guest();
    edited.getMetadata().setGeneration(2L);
    assertThat(filter.accept(edited, old)).isTrue();
  }

  private static KvmGuest guest() {
    KvmGuest g = new KvmGuest();
    g.getMetadata().setName("g");
    g.getMetadata().setGeneration(1L);
    g.getMetadata().setAnnotations(new java.util.HashMap<>());
    return g;
  }
}
