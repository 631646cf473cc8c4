package dev.kvmop.controller.image;

import java.time.Instant;

/** Where one image stands on one host, as the guests waiting for it see it. */
public sealed interface FetchState {
  /** In the host's cache as {@code <workDir>/images/<sha256>}. */
  record Ready(String sha256, long bytes) implements FetchState {}

  /** Being fetched: bytes written so far, and the total when known. */
  record Fetching(long done, Long total) implements FetchState {}

  /**
   * The last fetch failed; the next is tried at {@code retryAt}.
   *
   * @param kind what failed
   * @param detail the host's message, or the sha256 it found (ChecksumMismatch)
   */
  record Failed(Kind kind, String detail, Instant retryAt) implements FetchState {
    public enum Kind {
      ChecksumMismatch,
      DownloadFailed,
      NotFound,
      NoDownloader
    }
  }
}
