#!/usr/bin/perl
# kvmop-console.pl: the console and serial log of a guest, for kvmop-guest, which lies next to it
# under <workDir>/bin/ and runs it as "perl kvmop-console.pl <mode> <args...>". Installed by the
# operator and replaced whenever its sha256 differs; do not edit on the host. Needs only perl-base.
#
#   relay <socket>                 copies stdin to the console socket and the socket to stdout
#   log <file> <lines|all> <0|1>   prints the last lines of the serial log; 1: then follows it
#   tails <dir> <lines> <bytes>    the last lines of serial.log and qemu.log, hex-encoded
#
# relay and log end when their stdin ends: that is how a closed SSH channel (a detached console,
# an interrupted "logs -f") reaches them, so neither outlives its client (relay by at most
# $DELIVER_GRACE seconds, see deliver).
use strict;
use warnings;
use IO::Socket::UNIX;
use Socket;
use List::Util qw(min);

# Polling period of the log follower, in seconds.
my $FOLLOW_PERIOD = 0.2;

# How long a relay whose client is gone waits for qemu to read what the client typed, in seconds:
# as long as the guest keeps answering (it echoes what it reads) with pauses under $DELIVER_IDLE,
# up to $DELIVER_MAX. A slow guest (TCG on a busy machine) can take longer than a fixed grace.
my $DELIVER_IDLE = 5;
my $DELIVER_MAX = 60;

sub fail {
  print STDERR "kvmop-guest: $_[0]\n";
  return 1;
}

# Writes all of $buf to $fh; false once the reader is gone.
sub put {
  my ($fh, $buf) = @_;
  while (length $buf) {
    my $n = syswrite($fh, $buf);
    return 0 unless defined $n && $n > 0;
    substr($buf, 0, $n) = "";
  }
  return 1;
}

# Connects to the unix socket $path from inside its directory: a socket address holds only 107
# bytes, which a long workDir or guest name exceeds as an absolute path. Goes back to / afterwards
# (nothing here uses a relative path). Undef and $! on failure.
sub unix_connect {
  my ($path) = @_;
  my ($dir, $base) = $path =~ m{\A(.*)/([^/]+)\z} ? ($1, $2) : (".", $path);
  chdir(length $dir ? $dir : "/") or return undef;
  my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $base);
  my $err = $!;
  chdir("/");
  $! = $err;
  return $s;
}

sub mode_relay {
  my ($sock) = @_;
  return fail("usage: relay <socket>") unless defined $sock;
  return fail("no console socket $sock (the guest's qemu is not running)") unless -S $sock;
  my $s = unix_connect($sock);
  # A socket nobody listens on is what a qemu that ended without its stop leaves behind.
  return fail("no console socket $sock (the guest's qemu is not running)")
    if !$s && $!{ECONNREFUSED};
  return fail("cannot connect to $sock: $!") unless $s;
  binmode(STDIN);
  binmode(STDOUT);
  # A client that is gone (its connection closed right after its input ended) must not end the
  # relay while what it typed is still on its way: SIGPIPE would kill it, and qemu drops what is
  # unread once the socket closes. Output then goes nowhere until the input's end is read.
  local $SIG{PIPE} = "IGNORE";
  my $to_client = 1;
  my $both = "";
  vec($both, fileno(STDIN), 1) = 1;
  vec($both, fileno($s), 1) = 1;
  while (1) {
    my $ready = $both;
    next unless select($ready, undef, undef, undef) > 0;
    my $buf;
    if (vec($ready, fileno($s), 1)) {
      return 0 unless sysread($s, $buf, 65536);
      $to_client &&= put(\*STDOUT, $buf);
    }
    if (vec($ready, fileno(STDIN), 1)) {
      return deliver($s, $to_client) unless sysread(STDIN, $buf, 65536);
      return 0 unless put($s, $buf);
    }
  }
}

# The client's input ended (it detached, or its stdin was a pipe): what it typed may still sit
# unread in the socket, since qemu reads only as fast as the guest's UART takes bytes, and qemu
# drops all of it as soon as it sees the socket closed. So: close only our sending half and wait
# for qemu to read to its end and close its side, passing on what the guest writes meanwhile
# (to a client that may be gone: hence SIGPIPE ignored). Bounded, for a guest that reads nothing.
sub deliver {
  my ($s, $to_client) = @_;
  shutdown($s, 1);
  my $last = time();
  my $cap = $last + $DELIVER_MAX;
  my $sock = "";
  vec($sock, fileno($s), 1) = 1;
  while ((my $left = min($last + $DELIVER_IDLE, $cap) - time()) > 0) {
    my $ready = $sock;
    next unless select($ready, undef, undef, $left) > 0;
    my $buf;
    return 0 unless sysread($s, $buf, 65536);
    $last = time();
    $to_client &&= put(\*STDOUT, $buf);
  }
  return 0;
}

# The last $lines lines of the text in $data ($lines < 0: all of it), without cutting a line in
# two unless one line alone is longer than $data.
sub last_lines {
  my ($data, $lines, $cut) = @_;
  $data =~ s/\A[^\n]*\n// if $cut && $data =~ /\n./s;
  return $data if $lines < 0;
  my @l = split(/^/m, $data);
  @l = @l[-$lines .. -1] if @l > $lines;
  @l = () if $lines == 0;
  return join("", @l);
}

# The end of a file: at most $max bytes, from where the last $lines lines start.
sub tail_of {
  my ($file, $lines, $max) = @_;
  open(my $h, "<", $file) or return "";
  binmode($h);
  my $size = -s $h;
  my $from = $size > $max ? $size - $max : 0;
  seek($h, $from, 0);
  local $/;
  my $data = <$h> // "";
  close $h;
  return last_lines($data, $lines, $from > 0);
}

sub mode_tails {
  my ($dir, $lines, $max) = @_;
  return fail("usage: tails <dir> <lines> <bytes>")
    unless defined $max && $lines =~ /\A[0-9]{1,5}\z/ && $max =~ /\A[0-9]{1,8}\z/;
  for my $name ("serial.log", "qemu.log") {
    print "$name ", unpack("H*", tail_of("$dir/$name", $lines, $max)), "\n";
  }
  return 0;
}

# Whether stdin has ended (the client went away), waiting up to $secs for it.
sub stdin_ended {
  my ($secs) = @_;
  my $in = "";
  vec($in, fileno(STDIN), 1) = 1;
  return 0 unless select($in, undef, undef, $secs) > 0;
  my $buf;
  return !sysread(STDIN, $buf, 4096);
}

# Copies what was appended to $h since the last call to stdout; false once the reader is gone.
sub copy_new {
  my ($h) = @_;
  my $buf;
  while (my $n = sysread($h, $buf, 65536)) {
    return 0 unless put(\*STDOUT, $buf);
  }
  return 1;
}

sub mode_log {
  my ($file, $lines, $follow) = @_;
  return fail("usage: log <file> <lines|all> <0|1>")
    unless defined $follow && $lines =~ /\A(all|[0-9]{1,9})\z/ && $follow =~ /\A[01]\z/;
  open(my $h, "<", $file) or return fail("no serial log at $file");
  binmode($h);
  binmode(STDOUT);
  my $n = $lines eq "all" ? -1 : $lines;
  my $size = -s $h;
  # The whole file when all of it is wanted; otherwise enough of its end for $n lines of up to
  # 4 KiB (more would not fit a terminal anyway).
  my $window = $n < 0 ? $size : ($n + 1) * 4096;
  my $from = $size > $window ? $size - $window : 0;
  seek($h, $from, 0);
  my $data = "";
  while (sysread($h, my $buf, 65536)) {
    $data .= $buf;
  }
  return 0 unless put(\*STDOUT, last_lines($data, $n, $from > 0));
  return 0 unless $follow;
  return follow($file, $h);
}

# Follows $file from the current position of $h until stdin ends. A relaunch may rotate the log
# (rename and start afresh): a new inode or a shorter file is read again from its start.
sub follow {
  my ($file, $h) = @_;
  my $ino = (stat($h))[1];
  while (!stdin_ended($FOLLOW_PERIOD)) {
    return 0 unless copy_new($h);
    my @now = stat($file);
    next unless @now;
    if ($now[1] != $ino || $now[7] < sysseek($h, 0, 1)) {
      open(my $fresh, "<", $file) or next;
      binmode($fresh);
      close $h;
      ($h, $ino) = ($fresh, $now[1]);
    }
  }
  return 0;
}

my %modes = (relay => \&mode_relay, log => \&mode_log, tails => \&mode_tails);
my $mode = shift(@ARGV) // "";
if (!$modes{$mode}) {
  print STDERR "kvmop-guest: unknown console mode $mode\n";
  exit 2;
}
exit($modes{$mode}->(@ARGV));
