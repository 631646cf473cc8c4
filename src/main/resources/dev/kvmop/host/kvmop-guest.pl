#!/usr/bin/perl
# kvmop-guest.pl: the /proc, QMP and probe work of kvmop-guest, which lies next to it under
# <workDir>/bin/ and runs it as "perl kvmop-guest.pl <mode> <args...>". Installed by the operator
# and replaced whenever its sha256 differs; do not edit on the host. Needs only perl-base.
#
#   ident <dir> <qemu|-> <uuid|->   prints "pid ticks", exit 0, when the guest of <dir> runs
#   find <qemu> <uuid>              prints "pid ticks" for every live qemu with that -uuid
#   waitgone <pid> <ticks> <secs>   exit 0 once that process is gone, 1 if it outlives the wait
#   signal <pid> <ticks> <SIG>      signals the process only if it is still the same one
#   qmp <socket> <command> [secs]   runs one QMP command without arguments
#   watch <dir> <pid> <ticks>       records a guest-initiated SHUTDOWN of that qemu in <dir>/exit
#   probe <workDir> <qemu>          one line per guest directory and per orphan qemu
#
# Identity of a guest's process: the pidfile's pid, whose /proc/<pid>/exe is the qemu binary
# recorded at launch and whose cmdline holds "-uuid <uuid>". "ticks" is the process's start time,
# so a recycled pid never passes for the process it replaced.
use strict;
use warnings;
use Cwd ();
# IO::Socket::UNIX (with Socket and IO::Socket) and Fcntl are loaded by the modes that talk QMP or
# lock: loading them took 45 % of the CPU time of a probe, which runs every interval.

sub slurp {
  my ($file) = @_;
  open(my $h, "<", $file) or return undef;
  local $/;
  my $content = <$h>;
  close $h;
  return $content;
}

# The first line of a file without trailing blanks, or undef.
sub line1 {
  my $c = slurp($_[0]);
  return undef unless defined $c;
  $c =~ s/\n.*//s;
  $c =~ s/\s+\z//;
  return $c;
}

sub canon {
  my ($path) = @_;
  return undef unless defined $path && length $path;
  my $abs = Cwd::abs_path($path);
  return defined $abs ? $abs : $path;
}

# readlink of /proc/<pid>/exe is already canonical; a replaced binary (package upgrade) reads
# "<path> (deleted)".
sub exe_of {
  my $l = readlink("/proc/$_[0]/exe");
  return undef unless defined $l;
  $l =~ s/ \(deleted\)\z//;
  return $l;
}

# (state, starttime) of a process. comm may hold spaces and parens, so /proc/<pid>/stat is split
# after the last ")"; starttime is field 22, i.e. index 19 counting from field 3.
sub stat_of {
  my $s = slurp("/proc/$_[0]/stat");
  return () unless defined $s;
  my $i = rindex($s, ")");
  return () if $i < 0;
  my @f = split(/ +/, substr($s, $i + 2));
  return () unless @f > 19;
  return ($f[0], $f[19]);
}

# The start time of a live (not zombie) process, or undef.
sub ticks_of {
  my ($state, $ticks) = stat_of($_[0]);
  return undef unless defined $state;
  return undef if $state eq "Z" || $state eq "X";
  return $ticks;
}

sub args_of {
  my $c = slurp("/proc/$_[0]/cmdline");
  return undef unless defined $c;
  return [split(/\0/, $c)];
}

sub opt_value {
  my ($args, $opt) = @_;
  for my $i (0 .. $#$args - 1) {
    return $args->[$i + 1] if $args->[$i] eq $opt;
  }
  return undef;
}

sub has_uuid {
  my ($args, $uuid) = @_;
  my $v = opt_value($args, "-uuid");
  return defined $v && defined $uuid && length $uuid && $v eq $uuid;
}

sub valid_pid {
  my ($p) = @_;
  return defined $p && $p =~ /\A[0-9]{1,10}\z/ && $p > 1;
}

# Live processes whose executable is $qemu (canonical), in pid order.
sub qemu_pids {
  my ($qemu) = @_;
  my @pids;
  opendir(my $proc, "/proc") or return @pids;
  for my $p (sort { $a <=> $b } grep { /\A[0-9]+\z/ } readdir($proc)) {
    my $exe = exe_of($p);
    push @pids, $p if defined $exe && $exe eq $qemu;
  }
  closedir($proc);
  return @pids;
}

# (pid, ticks) when the pidfile of $dir names a live qemu ($qemu canonical) with -uuid $uuid.
sub ours {
  my ($dir, $qemu, $uuid) = @_;
  return () unless defined $qemu && defined $uuid && length $uuid;
  my $pid = line1("$dir/pid");
  return () unless valid_pid($pid);
  my $exe = exe_of($pid);
  return () unless defined $exe && $exe eq $qemu;
  my $args = args_of($pid);
  return () unless $args && has_uuid($args, $uuid);
  my $ticks = ticks_of($pid);
  return () unless defined $ticks;
  return ($pid + 0, $ticks);
}

# The value given, or when that is "-", the one recorded in $dir/$file at launch.
sub recorded {
  my ($dir, $value, $file) = @_;
  return (defined $value && $value ne "-") ? $value : line1("$dir/$file");
}

# Escapes a field of a probe line: fields are tab-separated, one record a line.
sub esc {
  my ($s) = @_;
  $s =~ s/\\/\\\\/g;
  $s =~ s/\t/\\t/g;
  $s =~ s/\n/\\n/g;
  $s =~ s/\r/\\r/g;
  return $s;
}

# Connects to the unix socket $path from inside its directory: a socket address holds only 107
# bytes, which a long workDir or guest name exceeds as an absolute path. Goes back to / afterwards
# (every other path here is absolute), so a watcher pins no guest directory. Undef and $! on
# failure.
sub unix_connect {
  my ($path) = @_;
  require IO::Socket::UNIX;
  my ($dir, $base) = $path =~ m{\A(.*)/([^/]+)\z} ? ($1, $2) : (".", $path);
  chdir(length $dir ? $dir : "/") or return undef;
  my $s = IO::Socket::UNIX->new(Type => Socket::SOCK_STREAM(), Peer => $base);
  my $err = $!;
  chdir("/");
  $! = $err;
  return $s;
}

# A QMP connection past the capabilities handshake, or undef.
sub qmp_connect {
  my ($sock) = @_;
  my $s = unix_connect($sock) or return undef;
  my $greeting = <$s>;
  return undef unless defined $greeting && $greeting =~ /"QMP"/;
  print $s "{\"execute\":\"qmp_capabilities\"}\n";
  while (my $l = <$s>) {
    return $s if $l =~ /"return"/;
    return undef if $l =~ /"error"/;
  }
  return undef;
}

sub mode_ident {
  my ($dir, $qemu, $uuid) = @_;
  $qemu = canon(recorded($dir, $qemu, "qemu"));
  $uuid = recorded($dir, $uuid, "uuid");
  my @id = ours($dir, $qemu, $uuid);
  return 1 unless @id;
  print "$id[0] $id[1]\n";
  return 0;
}

# Whatever the pidfile says. A qemu that is daemonizing shows twice until its parent exits (a
# launch cut off at that moment leaves such a pair): several matches are looked at again for up
# to 5 s before they count.
sub mode_find {
  my ($qemu, $uuid) = @_;
  $qemu = canon($qemu);
  my $until = time + 5;
  my @found;
  while (1) {
    @found = ();
    for my $p (qemu_pids($qemu)) {
      my $args = args_of($p);
      next unless $args && has_uuid($args, $uuid);
      my $ticks = ticks_of($p);
      push @found, "$p $ticks" if defined $ticks;
    }
    last if @found <= 1 || time >= $until;
    select(undef, undef, undef, 0.1);
  }
  print "$_\n" for @found;
  return 0;
}

sub mode_waitgone {
  my ($pid, $ticks, $secs) = @_;
  my $until = time + $secs;
  while (1) {
    my $now = ticks_of($pid);
    return 0 unless defined $now && $now eq $ticks;
    return 1 if time >= $until;
    select(undef, undef, undef, 0.1);
  }
}

sub mode_signal {
  my ($pid, $ticks, $sig) = @_;
  my $now = ticks_of($pid);
  kill($sig, $pid) if defined $now && $now eq $ticks;
  return 0;
}

sub mode_qmp {
  my ($sock, $cmd, $secs) = @_;
  local $SIG{ALRM} = sub {
    print STDERR "QMP $cmd on $sock timed out\n";
    exit 3;
  };
  alarm($secs // 8);
  my $s = qmp_connect($sock);
  if (!$s) {
    print STDERR "cannot talk QMP on $sock: $!\n";
    return 2;
  }
  print $s "{\"execute\":\"$cmd\"}\n";
  while (my $l = <$s>) {
    next if $l =~ /\A\s*\{\s*"timestamp"/ || $l =~ /"event"\s*:/;
    return 0 if $l =~ /"return"/;
    if ($l =~ /"error"/) {
      print STDERR "QMP $cmd failed: $l";
      return 1;
    }
  }
  print STDERR "QMP connection closed before $cmd answered\n";
  return 1;
}

# One watcher per guest (the lock), for as long as the guest's qemu (pid, ticks) lives. It takes
# its name only once it watches, so a watcher that gives up early is never seen as one.
sub mode_watch {
  my ($dir, $pid, $ticks) = @_;
  open(my $lock, ">>", "$dir/watcher.lock") or return 1;
  require Fcntl;
  flock($lock, Fcntl::LOCK_EX() | Fcntl::LOCK_NB()) or return 0;
  my $s;
  for (1 .. 50) {
    my $now = ticks_of($pid);
    return 0 unless defined $now && $now eq $ticks;
    $s = qmp_connect("$dir/events.sock");
    last if $s;
    select(undef, undef, undef, 0.1);
  }
  return 1 unless $s;
  $0 = "kvmop-guest-watch $dir";
  if (open(my $w, ">", "$dir/watching")) {
    print $w "$$\n";
    close $w;
  }
  while (my $l = <$s>) {
    record_guest_shutdown($dir, $l);
  }
  unlink("$dir/watching");
  return 0;
}

# Writes <dir>/exit when an event line is a SHUTDOWN the guest itself initiated.
sub record_guest_shutdown {
  my ($dir, $l) = @_;
  return unless $l =~ /"event"\s*:\s*"SHUTDOWN"/ && $l =~ /"guest"\s*:\s*true/;
  my ($reason) = $l =~ /"reason"\s*:\s*"([^"]*)"/;
  $reason //= "";
  open(my $h, ">", "$dir/exit.tmp") or return;
  print $h "guest-shutdown $reason\n";
  close $h;
  rename("$dir/exit.tmp", "$dir/exit");
}

# KVMOP_BOOT_ID_FILE, when set in the remote environment, replaces the kernel's boot id (test
# hosts use it to present a reboot); production hosts never set it.
sub mode_probe {
  my ($work, $qemu) = @_;
  $qemu = canon($qemu);
  my $bootf = $ENV{KVMOP_BOOT_ID_FILE};
  $bootf = "/proc/sys/kernel/random/boot_id" unless defined $bootf && length $bootf;
  my $boot = line1($bootf) // "-";
  print "boot $boot\n";
  my %binaries;
  $binaries{$qemu} = 1 if defined $qemu;
  my %known = probe_dirs("$work/guests", $qemu, \%binaries);
  probe_orphans($_, \%known) for sort keys %binaries;
  return 0;
}

# Prints one "guest" line per directory below $guests; returns the uuids recorded there. Adds
# the binaries recorded at launch to %$binaries, where orphans are looked for too.
sub probe_dirs {
  my ($guests, $qemu, $binaries) = @_;
  my %known;
  opendir(my $dh, $guests) or return %known;
  for my $name (sort readdir($dh)) {
    next if $name eq "." || $name eq "..";
    my $dir = "$guests/$name";
    next unless -d $dir;
    my $uuid = line1("$dir/uuid");
    $known{$uuid} = 1 if defined $uuid && length $uuid;
    my $recorded = canon(line1("$dir/qemu"));
    $binaries->{$recorded} = 1 if defined $recorded;
    print guest_line($dir, $uuid, $qemu), "\n";
  }
  closedir($dh);
  return %known;
}

# The guest's identity uses the binary recorded at its launch; the configured one only for a
# directory that never recorded one.
sub guest_line {
  my ($dir, $uuid, $qemu) = @_;
  my @id = ours($dir, canon(line1("$dir/qemu")) // $qemu, $uuid);
  my ($state, $pid, $ticks, $cause) = ("Exited", "-", "-", "Unknown");
  if (@id) {
    ($state, $pid, $ticks, $cause) = ("Running", $id[0], $id[1], "-");
  } elsif (-e "$dir/stop-intent") {
    $cause = "StopRequested";
  } elsif ((line1("$dir/exit") // "") =~ /\Aguest-shutdown/) {
    $cause = "GuestShutdown";
  }
  my $shown = defined $uuid && length $uuid ? $uuid : "-";
  return join("\t", "guest " . esc($dir), esc($shown), $state, $pid, $ticks, $cause);
}

# Prints "orphan <pid>" for every live qemu started as one of ours (-name guest=...) whose uuid
# belongs to no guest directory.
sub probe_orphans {
  my ($qemu, $known) = @_;
  for my $p (qemu_pids($qemu)) {
    my $args = args_of($p);
    next unless $args;
    my $name = opt_value($args, "-name");
    next unless defined $name && $name =~ /\Aguest=/;
    my $uuid = opt_value($args, "-uuid");
    next if defined $uuid && $known->{$uuid};
    next unless defined ticks_of($p);
    print "orphan $p\n";
  }
}

my %modes = (
  ident => \&mode_ident,
  find => \&mode_find,
  waitgone => \&mode_waitgone,
  signal => \&mode_signal,
  qmp => \&mode_qmp,
  watch => \&mode_watch,
  probe => \&mode_probe,
);
my $mode = shift(@ARGV) // "";
if (!$modes{$mode}) {
  print STDERR "kvmop-guest: unknown perl mode $mode\n";
  exit 2;
}
exit($modes{$mode}->(@ARGV));
