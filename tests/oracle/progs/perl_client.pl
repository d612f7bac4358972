# The Perl forking server's clients: N connections in turn, each sends a
# line and reads the answer. Usage: perl_client.pl PORT N
use strict;
use warnings;
use IO::Socket::INET;

my ($port, $n) = @ARGV;
for my $i (1 .. $n) {
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
		or die "connect: $!";
	print $s "hello $i\n";
	my $got = <$s>;
	close $s;
}
