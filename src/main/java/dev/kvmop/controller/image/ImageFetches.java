package dev.kvmop.controller.image;

import dev.kvmop.concurrent.DaemonThreads;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.host.HostException;
import dev.kvmop.host.ImageFetch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches of base images into hosts' caches, one job per image per host however many guests wait
 * for it (the host's lock makes that hold across operator processes too). A job runs on a thread of
 * its own and its host command on an SSH channel of its own, so no reconcile waits for a download;
 * its progress is polled every few seconds with a short command. When a job ends, the host's guests
 * are woken. A failed job is tried again after a backoff (10 s doubling to 5 min).
 */
public final class ImageFetches {
  private static final Logger log = LoggerFactory.getLogger(ImageFetches.class);

  /** How long one fetch may take on the host (a multi-gigabyte image over a slow link). */
  public static final Duration FETCH_TIMEOUT = Duration.ofHours(6);

  static final Duration PROGRESS_EVERY = Duration.ofSeconds(3);
  static final Duration FIRST_RETRY = Duration.ofSeconds(10);
  static final Duration MAX_RETRY = Duration.ofMinutes(5);

  /** Jobs per host at once: each holds an SSH channel, and the probe needs some. */
  static final int PER_HOST = 2;

  private final HostAgentFactory agents;
  private final Clock clock;
  private final Executor jobs;
  private final ScheduledExecutorService ticks;
  private final Consumer<String> finished;
  private final Map<String, Job> byKey = new ConcurrentHashMap<>();
  private final Map<String, Semaphore> slots = new ConcurrentHashMap<>();

  /**
   * @param jobs runs the jobs
   * @param ticks polls their progress; null for none (jobs run inline in tests)
   * @param finished told the host id when a job of that host ended
   */
  public ImageFetches(
      HostAgentFactory agents,
      Clock clock,
      Executor jobs,
      ScheduledExecutorService ticks,
      Consumer<String> finished) {
    this.agents = agents;
    this.clock = clock;
    this.jobs = jobs;
    this.ticks = ticks;
    this.finished = finished;
  }

  /** Jobs on daemon threads, progress polled. */
  public static ImageFetches start(
      HostAgentFactory agents, Clock clock, Consumer<String> finished) {
    return new ImageFetches(
        agents,
        clock,
        Executors.newCachedThreadPool(DaemonThreads.named("image-fetch")),
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("image-progress")),
        finished);
  }

  /**
   * Where the image stands on the host; starts a job when there is none yet, or when the last one
   * failed and its backoff is over.
   */
  public FetchState request(HostDirectory.Entry host, ImageSource source) {
    Job job = byKey.computeIfAbsent(key(host.hostId(), source), k -> new Job());
    synchronized (job) {
      FetchState s = job.state;
      boolean retry = s instanceof FetchState.Failed f && !clock.instant().isBefore(f.retryAt());
      if (s != null && !retry) {
        return s;
      }
      job.state = new FetchState.Fetching(0, null);
      log.info("{} image {}: fetching on the host", host.hostId(), source.where());
      jobs.execute(() -> run(host, source, job));
      return job.state;
    }
  }

  /** The image is not in the cache after all (removed behind our back): fetch it again. */
  public void forget(String hostId, ImageSource source) {
    byKey.remove(key(hostId, source));
  }

  /** The sha256 of a source, once known (a hostPath without one is known once fetched). */
  public Optional<String> sha256(String hostId, ImageSource source) {
    if (source.sha256() != null) {
      return Optional.of(source.sha256());
    }
    Job job = byKey.get(key(hostId, source));
    return job != null && job.state instanceof FetchState.Ready r
        ? Optional.of(r.sha256())
        : Optional.empty();
  }

  private void run(HostDirectory.Entry host, ImageSource source, Job job) {
    Semaphore slot = slots.computeIfAbsent(host.hostId(), id -> new Semaphore(PER_HOST, true));
    FetchState end;
    try {
      slot.acquire();
      try {
        end = fetch(host, source, job);
      } finally {
        slot.release();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      end = failed(job, FetchState.Failed.Kind.DownloadFailed, "interrupted");
    } catch (RuntimeException e) {
      log.warn("{} image {}: {}", host.hostId(), source.where(), e.toString());
      end = failed(job, FetchState.Failed.Kind.DownloadFailed, e.toString());
    }
    synchronized (job) {
      job.state = end;
    }
    log.info("{} image {}: {}", host.hostId(), source.where(), describe(end));
    finished.accept(host.hostId());
  }

  private FetchState fetch(HostDirectory.Entry host, ImageSource source, Job job) {
    ScheduledFuture<?> poll =
        ticks == null
            ? null
            : ticks.scheduleWithFixedDelay(
                () -> poll(host, source, job),
                PROGRESS_EVERY.toMillis(),
                PROGRESS_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
    try {
      ImageFetch.Result r =
          agents
              .agentFor(host.target())
              .fetchImage(
                  new ImageFetch(
                      host.spec().workDir,
                      source.job(),
                      source.sha256(),
                      source.url(),
                      source.hostPath(),
                      FETCH_TIMEOUT));
      return switch (r.outcome()) {
        case Fetched -> {
          job.failures = 0;
          yield new FetchState.Ready(r.sha256(), r.bytes());
        }
        case ChecksumMismatch -> failed(job, FetchState.Failed.Kind.ChecksumMismatch, r.sha256());
        case Failed -> failed(job, FetchState.Failed.Kind.DownloadFailed, r.error());
        case NotFound -> failed(job, FetchState.Failed.Kind.NotFound, r.error());
        case NoDownloader -> failed(job, FetchState.Failed.Kind.NoDownloader, r.error());
      };
    } catch (HostException e) {
      return failed(job, FetchState.Failed.Kind.DownloadFailed, e.getMessage());
    } finally {
      if (poll != null) {
        poll.cancel(false);
      }
    }
  }

  private void poll(HostDirectory.Entry host, ImageSource source, Job job) {
    try {
      ImageFetch.Progress p =
          agents.agentFor(host.target()).imageProgress(host.spec().workDir, source.job());
      synchronized (job) {
        if (job.state instanceof FetchState.Fetching) {
          job.state = new FetchState.Fetching(p.done(), p.total());
        }
      }
    } catch (HostException | RuntimeException e) {
      log.debug("{} image {}: no progress: {}", host.hostId(), source.where(), e.toString());
    }
  }

  private FetchState failed(Job job, FetchState.Failed.Kind kind, String detail) {
    job.failures++;
    Instant retry = clock.instant().plus(backoff(job.failures));
    return new FetchState.Failed(kind, detail == null ? "" : detail, retry);
  }

  /** 10 s doubling to 5 min with each consecutive failure (failures counts this one). */
  static Duration backoff(int failures) {
    Duration d = FIRST_RETRY.multipliedBy(1L << Math.max(0, Math.min(failures - 1, 10)));
    return d.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : d;
  }

  private static String describe(FetchState s) {
    if (s instanceof FetchState.Ready r) {
      return "in the cache (" + r.bytes() + " bytes)";
    }
    return s instanceof FetchState.Failed f ? f.kind() + ": " + f.detail() : s.toString();
  }

  /**
   * One job per host and source: guests naming the same URL share it. Two URLs that claim the same
   * sha256 are fetched each (the host's per-image lock then fetches the second only when the first
   * did not land), so one failing URL does not decide for the other.
   */
  private static String key(String hostId, ImageSource source) {
    return hostId + "\n" + source.job() + "\n" + source.where();
  }

  /** One image on one host; guarded by its own monitor. */
  private static final class Job {
    FetchState state;
    int failures;
  }
}
