package dev.kvmop.host;

import java.time.Duration;

/**
 * Fetching one base image into a host's image cache ({@code <workDir>/images/<sha256>}): from a URL
 * (the host downloads it with curl or wget) or from a file already on the host (copied).
 *
 * @param job the name of the job's temporary and lock files in the cache: the sha256 when known
 * @param sha256 the expected sha256 (lower-case hex), or null to take the file's (hostPath only)
 * @param url the URL, or null
 * @param hostPath the file on the host, or null
 * @param timeout how long the whole fetch may take
 */
public record ImageFetch(
    String workDir, String job, String sha256, String url, String hostPath, Duration timeout) {
  /** How a fetch ended. */
  public enum Outcome {
    /** In the cache (fetched now, or already there). */
    Fetched,
    /** The image's sha256 is not the expected one; nothing was kept. */
    ChecksumMismatch,
    /** The download or copy failed ({@link Result#error} has the host's message). */
    Failed,
    /** The hostPath does not exist. */
    NotFound,
    /** The host has neither curl nor wget. */
    NoDownloader
  }

  /**
   * @param sha256 the image's sha256: the cache name (Fetched) or what it turned out to be
   *     (ChecksumMismatch)
   * @param bytes its size (Fetched)
   * @param error the host's message (Failed, NotFound, NoDownloader)
   */
  public record Result(Outcome outcome, String sha256, long bytes, String error) {}

  /** How far a running fetch is: bytes written so far, and the total when the server said. */
  public record Progress(long done, Long total) {}
}
