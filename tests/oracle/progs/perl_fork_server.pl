# A Perl forking server for the oracle: listens on 127.0.0.1:PORT, waits
# DELAY seconds (clients that connect and go meanwhile wait in the accept
# queue), then accepts N connections, forks a child for each that answers
# in upper case, and exits once every child is reaped.
# Usage: perl_fork_server.pl PORT N DELAY
use strict;
use warnings;
use IO::Socket::INET;
use POSIX ':sys_wait_h';

my ($port, $n, $delay) = @ARGV;
my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
			      Listen => 16, ReuseAddr => 1) or die "listen: $!";
select(undef, undef, undef, $delay) if $delay;
for (1 .. $n) {
	my $c = $l->accept or die "accept: $!";
	my $pid = fork;
	die "fork: $!" unless defined $pid;
	if ($pid == 0) {
		close $l;
		my $line = <$c>;
		print $c uc($line // '');
		close $c;
		exit 0;
	}
	close $c;
}
close $l;
1 while waitpid(-1, 0) > 0;
