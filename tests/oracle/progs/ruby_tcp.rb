# Ruby (a runtime on libc) for the oracle: a TCPServer thread answering
# three TCPSocket clients, then a UNIXServer with one client, and a
# refused connection. Usage: ruby_tcp.rb DIR
require 'socket'

server = TCPServer.new('127.0.0.1', 0)
port = server.addr[1]
t = Thread.new do
  3.times do
    c = server.accept
    c.write(c.gets.upcase)
    c.close
  end
end
3.times do |i|
  s = TCPSocket.new('127.0.0.1', port)
  s.puts "hello #{i}"
  s.gets
  s.close
end
t.join
server.close

path = File.join(ARGV[0], 'ruby.sock')
us = UNIXServer.new(path)
t = Thread.new { c = us.accept; c.write(c.read); c.close }
u = UNIXSocket.new(path)
u.write('unix')
u.close_write
u.read
u.close
t.join
us.close

begin
  TCPSocket.new('127.0.0.1', 1)
rescue Errno::ECONNREFUSED
end
puts 'ruby done'
