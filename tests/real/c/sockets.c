/* Stream sockets over loopback and AF_UNIX, as Linux serves them: every line is a call's result
 * or an observation that does not depend on the port numbers the kernel picks, so the output is
 * the same on rt0 and natively. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "errname.h"

static volatile int sigpipes;
static void on_sigpipe(int sig) { (void)sig; sigpipes++; }

/* Waits (up to 5 s) until `events` or POLLERR/POLLHUP hold on `fd`: loopback delivers in the
 * background on Linux, so a line that shows what arrived first waits for it. */
static void settle(int fd, short events) {
    struct pollfd p = {fd, events, 0};
    poll(&p, 1, 5000);
}

/* poll's answer for one descriptor, the bits by name. */
static void show_poll(const char *what, int fd) {
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    int n = poll(&p, 1, 0);
    printf("%s: %d", what, n);
    if (p.revents & POLLIN) printf(" IN");
    if (p.revents & POLLOUT) printf(" OUT");
    if (p.revents & POLLRDHUP) printf(" RDHUP");
    if (p.revents & POLLHUP) printf(" HUP");
    if (p.revents & POLLERR) printf(" ERR");
    printf("\n");
}

static void show_io(const char *what, long r, const char *buf) {
    if (r < 0) printf("%s: %s\n", what, errno_name(errno));
    else if (buf) printf("%s: %ld \"%.*s\"\n", what, r, (int)r, buf);
    else printf("%s: %ld\n", what, r);
}

static int sockopt(int fd, int level, int name) {
    int v = -1;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) < 0) return -errno;
    return v;
}

static struct sockaddr_in v4(const char *ip, int port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

/* A listener on 127.0.0.1 and an ephemeral port; its address in *a. */
static int listener(struct sockaddr_in *a) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    *a = v4("127.0.0.1", 0);
    socklen_t len = sizeof *a;
    bind(s, (struct sockaddr *)a, sizeof *a);
    listen(s, 8);
    getsockname(s, (struct sockaddr *)a, &len);
    return s;
}

static int dial(struct sockaddr_in *a) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    return connect(c, (struct sockaddr *)a, sizeof *a) < 0 ? -1 : c;
}

static void errors(void) {
    int p[2], q[2];
    pipe(p);
    struct sockaddr_in a = v4("127.0.0.1", 0);
    socklen_t len = sizeof a;
    SHOW("socket, family 200", socket(200, SOCK_STREAM, 0));
    SHOW("socket, type 20", socket(AF_INET, 20, 0));
    SHOW("socket, flag 0x10000000", socket(AF_INET, SOCK_STREAM | 0x10000000, 0));
    SHOW("socket, AF_INET stream with UDP", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    SHOW("socket, AF_INET protocol 300", socket(AF_INET, SOCK_STREAM, 300));
    SHOW("socket, AF_UNIX protocol 6", socket(AF_UNIX, SOCK_STREAM, 6));
    q[0] = q[1] = -1;
    SHOW("socketpair, AF_INET", socketpair(AF_INET, SOCK_STREAM, 0, q));
    /* Linux writes the two descriptors it took before it finds no socketpair, then frees them. */
    printf("socketpair's numbers written: %d, open: %d\n", q[0] > p[1] && q[1] == q[0] + 1,
           fcntl(q[0], F_GETFD) >= 0);
    SHOW("getsockname, a pipe", getsockname(p[0], (struct sockaddr *)&a, &len));
    SHOW("bind, descriptor 99", bind(99, (struct sockaddr *)&a, sizeof a));
    SHOW("listen, a pipe", listen(p[1], 1));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("bind, 15 bytes", bind(s, (struct sockaddr *)&a, 15));
    SHOW("bind, 129 bytes", bind(s, (struct sockaddr *)&a, 129));
    SHOW("bind, bad pointer", bind(s, (struct sockaddr *)8, sizeof a));
    struct sockaddr_in6 six = {.sin6_family = AF_INET6};
    SHOW("bind, AF_INET6 address", bind(s, (struct sockaddr *)&six, sizeof six));
    struct sockaddr_in far = v4("10.1.2.3", 0);
    SHOW("bind, 10.1.2.3", bind(s, (struct sockaddr *)&far, sizeof far));
    SHOW("getpeername, unconnected", getpeername(s, (struct sockaddr *)&a, &len));
    SHOW("shutdown, unconnected", shutdown(s, SHUT_WR));
    SHOW("shutdown, how 3", shutdown(s, 3));
    SHOW("accept, not listening", accept(s, NULL, NULL));
    char b[4];
    SHOW("recv, unconnected", recv(s, b, sizeof b, 0));
    SHOW("send, unconnected", send(s, "x", 1, MSG_NOSIGNAL));
    int v = 1;
    SHOW("setsockopt, 2 bytes", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, 2));
    SHOW("setsockopt, option 999", setsockopt(s, SOL_SOCKET, 999, &v, sizeof v));
    SHOW("setsockopt, IPV6_V6ONLY on AF_INET", setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof v));
    v = 0;
    SHOW("setsockopt, TCP_KEEPIDLE 0", setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v));
    SHOW("setsockopt, bad pointer", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (void *)8, sizeof v));
    len = 4;
    SHOW("getsockopt, bad pointer", getsockopt(s, SOL_SOCKET, SO_TYPE, (void *)8, &len));
    len = 0;
    getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len);
    printf("getsockopt, length 0: length %u\n", len);
    SHOW("connect, 200 bytes", connect(s, (struct sockaddr *)&a, 200));
    SHOW("connect, AF_INET6 address", connect(s, (struct sockaddr *)&six, sizeof six));
    SHOW("accept4, flag 1", accept4(s, NULL, NULL, 1));
    close(s);
    close(p[0]);
    close(p[1]);
}

static void options(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    printf("SO_TYPE %d, SO_DOMAIN %d, SO_PROTOCOL %d, SO_ACCEPTCONN %d, SO_ERROR %d\n",
           sockopt(s, SOL_SOCKET, SO_TYPE), sockopt(s, SOL_SOCKET, SO_DOMAIN),
           sockopt(s, SOL_SOCKET, SO_PROTOCOL), sockopt(s, SOL_SOCKET, SO_ACCEPTCONN),
           sockopt(s, SOL_SOCKET, SO_ERROR));
    int v = 1;
    setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
    v = 30;
    setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof v);
    v = 4096;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    printf("SO_KEEPALIVE %d, TCP_NODELAY %d, TCP_KEEPINTVL %d, SO_RCVBUF %d, SO_SNDBUF %d, SO_REUSEADDR %d\n",
           sockopt(s, SOL_SOCKET, SO_KEEPALIVE), sockopt(s, IPPROTO_TCP, TCP_NODELAY),
           sockopt(s, IPPROTO_TCP, TCP_KEEPINTVL), sockopt(s, SOL_SOCKET, SO_RCVBUF),
           sockopt(s, SOL_SOCKET, SO_SNDBUF), sockopt(s, SOL_SOCKET, SO_REUSEADDR));
    struct linger l = {1, 0}, back;
    socklen_t len = sizeof back;
    setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    getsockopt(s, SOL_SOCKET, SO_LINGER, &back, &len);
    printf("SO_LINGER {%d, %d}, length %u\n", back.l_onoff, back.l_linger, len);
    show_poll("poll, a new socket", s);
    close(s);
}

static void ports(void) {
    struct sockaddr_in a;
    int s = listener(&a);
    int port = ntohs(a.sin_port);
    printf("ephemeral port in 32768-60999: %d\n", port >= 32768 && port <= 60999);
    printf("SO_ACCEPTCONN %d\n", sockopt(s, SOL_SOCKET, SO_ACCEPTCONN));
    SHOW("bind again", bind(s, (struct sockaddr *)&a, sizeof a));
    int t = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("bind, the same port", bind(t, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in any = v4("0.0.0.0", port);
    SHOW("bind, the port on 0.0.0.0", bind(t, (struct sockaddr *)&any, sizeof any));
    int one = 1;
    setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    SHOW("bind, the port with SO_REUSEADDR (the other listens)", bind(t, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in other = v4("127.0.0.2", port);
    SHOW("bind, the port on 127.0.0.2", bind(t, (struct sockaddr *)&other, sizeof other));
    close(t);
    t = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("connect, 127.0.0.2 where nothing listens", connect(t, (struct sockaddr *)&other, sizeof other));
    close(t);
    SHOW("listen again (backlog changes)", listen(s, 2));
    close(s);
    t = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("connect, the closed port", connect(t, (struct sockaddr *)&a, sizeof a));
    close(t);
    t = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    SHOW("connect non-blocking, the closed port", connect(t, (struct sockaddr *)&a, sizeof a));
    settle(t, 0);
    show_poll("poll, refused", t);
    int first = sockopt(t, SOL_SOCKET, SO_ERROR);
    printf("SO_ERROR %s, then %d\n", errno_name(first), sockopt(t, SOL_SOCKET, SO_ERROR));
    SHOW("connect again", connect(t, (struct sockaddr *)&a, sizeof a));
    close(t);
}

static void exchange(void) {
    struct sockaddr_in a, got, name;
    socklen_t len = sizeof got;
    int s = listener(&a);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    SHOW("connect non-blocking", connect(c, (struct sockaddr *)&a, sizeof a));
    settle(c, POLLOUT);
    show_poll("poll, connecting", c);
    printf("SO_ERROR %d\n", sockopt(c, SOL_SOCKET, SO_ERROR));
    SHOW("connect again", connect(c, (struct sockaddr *)&a, sizeof a));
    SHOW("connect a third time", connect(c, (struct sockaddr *)&a, sizeof a));
    getpeername(c, (struct sockaddr *)&got, &len);
    printf("getpeername is the listener: %d\n", memcmp(&got, &a, sizeof a) == 0);
    show_poll("poll, the listener", s);
    int d = accept4(s, (struct sockaddr *)&got, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    printf("accept4: %s, O_NONBLOCK %d, FD_CLOEXEC %d\n", d >= 0 ? "OK" : errno_name(errno),
           !!(fcntl(d, F_GETFL) & O_NONBLOCK), fcntl(d, F_GETFD));
    getsockname(c, (struct sockaddr *)&name, &len);
    printf("the peer is the client: %d, from 127.0.0.1: %d\n", got.sin_port == name.sin_port,
           got.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    getsockname(d, (struct sockaddr *)&name, &len);
    printf("the accepted socket's name is the listener's: %d\n", memcmp(&name, &a, sizeof a) == 0);
    SHOW("listen, connected", listen(c, 1));
    char buf[64];
    show_io("read, nothing yet", read(d, buf, sizeof buf), NULL);
    show_io("write", write(c, "hello", 5), NULL);
    settle(d, POLLIN);
    int n = -1;
    ioctl(d, FIONREAD, &n);
    printf("FIONREAD %d\n", n);
    show_io("recv MSG_PEEK", recv(d, buf, 3, MSG_PEEK), buf);
    show_io("read", read(d, buf, sizeof buf), buf);
    struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
    show_io("writev", writev(c, iov, 2), NULL);
    settle(d, POLLIN);
    char x[2], y[8];
    struct iovec in[2] = {{x, 2}, {y, 8}};
    long r = readv(d, in, 2);
    printf("readv: %ld \"%.2s\" \"%.*s\"\n", r, x, (int)(r - 2), y);
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    show_io("sendmsg", sendmsg(d, &m, 0), NULL);
    settle(c, POLLIN);
    struct iovec one = {buf, sizeof buf};
    struct msghdr mr = {.msg_iov = &one, .msg_iovlen = 1, .msg_flags = 0x55};
    show_io("recvmsg", recvmsg(c, &mr, 0), buf);
    printf("recvmsg flags %d\n", mr.msg_flags);
    show_io("sendto, an address ignored", sendto(c, "to", 2, 0, (struct sockaddr *)&a, sizeof a), NULL);
    settle(d, POLLIN);
    len = sizeof got;
    got.sin_family = 77;
    show_io("recvfrom", recvfrom(d, buf, sizeof buf, 0, (struct sockaddr *)&got, &len), buf);
    printf("recvfrom's address length %u\n", len);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u32 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev);
    struct epoll_event out[4];
    n = epoll_wait(ep, out, 4, 0);
    printf("epoll: %d, %#x\n", n, n > 0 ? out[0].events : 0);
    n = epoll_wait(ep, out, 4, 0);
    printf("epoll, nothing new: %d\n", n);
    write(c, "z", 1);
    n = epoll_wait(ep, out, 4, 5000);
    printf("epoll, data: %d, %#x\n", n, n > 0 ? out[0].events : 0);
    read(d, buf, sizeof buf);
    SHOW("shutdown SHUT_WR", shutdown(c, SHUT_WR));
    n = epoll_wait(ep, out, 4, 5000);
    printf("epoll, the peer shut down: %d, %#x\n", n, n > 0 ? out[0].events : 0);
    show_io("read, end of file", read(d, buf, sizeof buf), NULL);
    show_poll("poll, the peer shut down", d);
    show_poll("poll, shut down for writing", c);
    show_io("send after SHUT_WR, MSG_NOSIGNAL", send(c, "x", 1, MSG_NOSIGNAL), NULL);
    show_io("write after SHUT_WR", write(c, "x", 1), NULL);
    printf("SIGPIPE: %d\n", sigpipes);
    show_io("write the other way", write(d, "back", 4), NULL);
    settle(c, POLLIN);
    show_io("read it", read(c, buf, sizeof buf), buf);
    close(d);
    settle(c, POLLRDHUP);
    show_io("read, the peer closed", read(c, buf, sizeof buf), NULL);
    show_poll("poll, closed both ways", c);
    close(ep);
    close(c);
    close(s);
}

static void closing(void) {
    struct sockaddr_in a;
    char buf[16];
    int s = listener(&a);
    /* A clean close: the peer reads end of file, its first write still goes, the next is EPIPE. */
    int c = dial(&a);
    int d = accept(s, NULL, NULL);
    close(d);
    show_io("read, the peer closed", read(c, buf, sizeof buf), NULL);
    show_poll("poll, the peer closed", c);
    show_io("send, the peer closed", send(c, "abc", 3, MSG_NOSIGNAL), NULL);
    settle(c, 0);
    show_poll("poll, after the reset", c);
    show_io("send again", send(c, "abc", 3, MSG_NOSIGNAL), NULL);
    show_io("send a third time", send(c, "abc", 3, MSG_NOSIGNAL), NULL);
    socklen_t len = sizeof a;
    struct sockaddr_in got;
    SHOW("getpeername, reset", getpeername(c, (struct sockaddr *)&got, &len));
    close(c);
    /* Closing with unread data resets the connection. */
    c = dial(&a);
    d = accept(s, NULL, NULL);
    write(c, "unread", 6);
    close(d);
    settle(c, 0);
    show_poll("poll, reset by the peer", c);
    show_io("read, reset by the peer", read(c, buf, sizeof buf), NULL);
    show_io("read again", read(c, buf, sizeof buf), NULL);
    show_io("send, reset", send(c, "x", 1, MSG_NOSIGNAL), NULL);
    close(c);
    /* SO_LINGER {1, 0}: close resets. */
    c = dial(&a);
    d = accept(s, NULL, NULL);
    struct linger l = {1, 0};
    setsockopt(d, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(d);
    show_io("read, the peer closed with SO_LINGER 0", read(c, buf, sizeof buf), NULL);
    close(c);
    /* A listener closed with a connection still queued resets it. */
    c = dial(&a);
    close(s);
    show_io("read, the listener closed before accept", read(c, buf, sizeof buf), NULL);
    close(c);
}

static void six(void) {
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    int off = 0, on = 1;
    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
    SHOW("bind [::]:0, dual stack", bind(s, (struct sockaddr *)&a, sizeof a));
    SHOW("IPV6_V6ONLY once bound", setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on));
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    listen(s, 4);
    struct sockaddr_in v = v4("127.0.0.1", ntohs(a.sin6_port));
    int t = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("bind, its port for IPv4", bind(t, (struct sockaddr *)&v, sizeof v));
    close(t);
    int c4 = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("connect from IPv4", connect(c4, (struct sockaddr *)&v, sizeof v));
    struct sockaddr_in6 peer;
    char text[64];
    len = sizeof peer;
    int d = accept(s, (struct sockaddr *)&peer, &len);
    printf("accepted from %s, length %u\n", inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof text), len);
    len = sizeof peer;
    getsockname(d, (struct sockaddr *)&peer, &len);
    printf("its name %s\n", inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof text));
    close(d);
    close(c4);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to = a;
    to.sin6_addr = in6addr_loopback;
    SHOW("connect from IPv6 to ::1", connect(c6, (struct sockaddr *)&to, sizeof to));
    len = sizeof peer;
    d = accept(s, (struct sockaddr *)&peer, &len);
    printf("accepted from %s\n", inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof text));
    write(c6, "six", 3);
    show_io("read", read(d, text, sizeof text), text);
    close(d);
    close(c6);
    close(s);
    /* What Go's net package probes at start-up. */
    s = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    struct sockaddr_in6 lo = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    SHOW("probe: bind [::1]:0, v6only", bind(s, (struct sockaddr *)&lo, sizeof lo));
    close(s);
    s = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    struct sockaddr_in6 mapped = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &mapped.sin6_addr);
    SHOW("probe: bind [::ffff:127.0.0.1]:0", bind(s, (struct sockaddr *)&mapped, sizeof mapped));
    close(s);
    s = socket(AF_INET6, SOCK_STREAM, 0);
    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    SHOW("bind a v4-mapped address, v6only", bind(s, (struct sockaddr *)&mapped, sizeof mapped));
    close(s);
}

static void local(void) {
    int sv[2];
    char buf[16];
    SHOW("socketpair", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
    printf("SO_DOMAIN %d, SO_PROTOCOL %d\n", sockopt(sv[0], SOL_SOCKET, SO_DOMAIN),
           sockopt(sv[0], SOL_SOCKET, SO_PROTOCOL));
    show_io("write", write(sv[0], "pair", 4), NULL);
    show_io("read", read(sv[1], buf, sizeof buf), buf);
    show_poll("poll, nothing to read", sv[1]);
    SHOW("shutdown SHUT_RD", shutdown(sv[1], SHUT_RD));
    show_io("write to a reader that shut down", send(sv[0], "x", 1, MSG_NOSIGNAL), NULL);
    show_poll("poll, its writer", sv[0]);
    show_io("read after SHUT_RD", read(sv[1], buf, sizeof buf), NULL);
    SHOW("setsockopt, SOL_TCP", setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int)));
    struct sockaddr_un un;
    socklen_t len = sizeof un;
    getsockname(sv[0], (struct sockaddr *)&un, &len);
    printf("getsockname length %u\n", len);
    close(sv[0]);
    close(sv[1]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "left", 4);
    close(sv[1]);
    show_io("write, the peer closed", send(sv[0], "x", 1, MSG_NOSIGNAL), NULL);
    close(sv[0]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[1], "unread", 6);
    close(sv[1]);
    show_io("read, the peer closed with unread data", read(sv[0], buf, sizeof buf), NULL);
    show_io("read again", read(sv[0], buf, sizeof buf), NULL);
    close(sv[0]);
    /* The abstract namespace. */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un name = {.sun_family = AF_UNIX};
    /* The name carries the pid: abstract names are per network namespace, and the musl and
     * glibc runs of this program may run on the host at the same time. */
    snprintf(name.sun_path + 1, sizeof name.sun_path - 1, "rt0-sockets-%07d", (int)getpid());
    socklen_t nlen = offsetof(struct sockaddr_un, sun_path) + 1 + 19;
    SHOW("connect, no such name", connect(s, (struct sockaddr *)&name, nlen));
    SHOW("bind, abstract", bind(s, (struct sockaddr *)&name, nlen));
    SHOW("listen", listen(s, 1));
    int t = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("bind, the same name", bind(t, (struct sockaddr *)&name, nlen));
    SHOW("connect", connect(t, (struct sockaddr *)&name, nlen));
    len = sizeof un;
    int d = accept(s, (struct sockaddr *)&un, &len);
    printf("accept: %s, the peer's address length %u\n", d >= 0 ? "OK" : errno_name(errno), len);
    len = sizeof un;
    getsockname(d, (struct sockaddr *)&un, &len);
    printf("its name is the listener's: %d\n", len == nlen && memcmp(&un, &name, nlen) == 0);
    write(t, "abstract", 8);
    show_io("read", read(d, buf, sizeof buf), buf);
    write(d, "back", 4);
    len = sizeof un;
    show_io("recvfrom, the listener's side", recvfrom(t, buf, sizeof buf, 0, (struct sockaddr *)&un, &len), buf);
    printf("the sender is named as the listener: %d\n", len == nlen && memcmp(&un, &name, nlen) == 0);
    write(t, "more", 4);
    len = sizeof un;
    show_io("recvfrom, the accepted side", recvfrom(d, buf, sizeof buf, 0, (struct sockaddr *)&un, &len), buf);
    printf("an unnamed sender: length %u\n", len);
    SHOW("sendto with an address, connected", sendto(t, "x", 1, 0, (struct sockaddr *)&name, nlen));
    close(d);
    close(t);
    close(s);

    /* A name in the file system (in /tmp on rt0 and on the host). */
    struct sockaddr_un at = {.sun_family = AF_UNIX}, file = {.sun_family = AF_UNIX};
    snprintf(at.sun_path, sizeof at.sun_path, "/tmp/rt0-sockets-%d", (int)getpid());
    snprintf(file.sun_path, sizeof file.sun_path, "/tmp/rt0-sockets-%d.txt", (int)getpid());
    unlink(at.sun_path);
    close(open(file.sun_path, O_CREAT | O_WRONLY, 0644));
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("bind, a path", bind(s, (struct sockaddr *)&at, sizeof at));
    struct stat st;
    stat(at.sun_path, &st);
    printf("the path is a socket: %d\n", S_ISSOCK(st.st_mode));
    SHOW("open the socket's path", open(at.sun_path, O_RDONLY));
    len = sizeof un;
    getsockname(s, (struct sockaddr *)&un, &len);
    printf("getsockname: the path, length %d\n", len == offsetof(struct sockaddr_un, sun_path) + strlen(at.sun_path) + 1 && strcmp(un.sun_path, at.sun_path) == 0);
    t = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("bind, the same path", bind(t, (struct sockaddr *)&at, sizeof at));
    SHOW("connect, nothing listens", connect(t, (struct sockaddr *)&at, sizeof at));
    SHOW("connect, a regular file", connect(t, (struct sockaddr *)&file, sizeof file));
    struct sockaddr_un none = {.sun_family = AF_UNIX, .sun_path = "/tmp/rt0-no-such-dir/sock"};
    SHOW("connect, no such file", connect(t, (struct sockaddr *)&none, sizeof none));
    SHOW("bind, no such directory", bind(t, (struct sockaddr *)&none, sizeof none));
    listen(s, 1);
    SHOW("connect, a path", connect(t, (struct sockaddr *)&at, sizeof at));
    d = accept(s, NULL, NULL);
    len = sizeof un;
    getpeername(t, (struct sockaddr *)&un, &len);
    printf("the peer is named by the path: %d\n", strcmp(un.sun_path, at.sun_path) == 0);
    write(d, "path", 4);
    show_io("read", read(t, buf, sizeof buf), buf);
    close(d);
    close(t);
    SHOW("unlink the path", unlink(at.sun_path));
    t = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("connect after the unlink", connect(t, (struct sockaddr *)&at, sizeof at));
    close(t);
    close(s);
    unlink(file.sun_path);
}

static int listening_fd;

/* Accepts one connection, blocking, and reads from it, blocking: the main thread connects and
 * writes later. */
static void *acceptor(void *arg) {
    (void)arg;
    int d = accept(listening_fd, NULL, NULL);
    char b[16];
    long n = read(d, b, sizeof b);
    write(d, "ok", 2);
    close(d);
    return (void *)n;
}

static int writer_fd;

/* Writes "abc", then "def" 20 ms later. */
static void *writer(void *arg) {
    (void)arg;
    write(writer_fd, "abc", 3);
    usleep(20000);
    write(writer_fd, "def", 3);
    return NULL;
}

static void blocking(void) {
    struct sockaddr_in a;
    listening_fd = listener(&a);
    pthread_t t;
    pthread_create(&t, NULL, acceptor, NULL);
    usleep(20000);
    int c = dial(&a);
    usleep(20000);
    write(c, "wake", 4);
    char b[16];
    show_io("read the thread's answer", read(c, b, sizeof b), b);
    void *r;
    pthread_join(t, &r);
    printf("the thread accepted, blocked in read and got %ld bytes\n", (long)r);
    close(c);

    c = dial(&a);
    int d = accept(listening_fd, NULL, NULL);
    struct timeval tv = {0, 50000};
    SHOW("SO_RCVTIMEO 50 ms", setsockopt(d, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    struct timeval back;
    socklen_t len = sizeof back;
    getsockopt(d, SOL_SOCKET, SO_RCVTIMEO, &back, &len);
    /* Linux keeps it in jiffies: 50 ms reads back as 52 ms with HZ=250. */
    printf("SO_RCVTIMEO back: 50 to 60 ms %d, length %u\n", back.tv_sec == 0 && back.tv_usec >= 50000 && back.tv_usec < 60000, len);
    show_io("read past SO_RCVTIMEO", read(d, b, sizeof b), NULL);
    show_io("recv MSG_DONTWAIT on a blocking socket", recv(d, b, sizeof b, MSG_DONTWAIT), NULL);
    tv.tv_usec = 0; /* no timeout: the writer thread may start late on a busy host */
    setsockopt(d, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    writer_fd = c;
    pthread_create(&t, NULL, writer, NULL);
    show_io("recv MSG_WAITALL of 6, written as 3 and 3", recv(d, b, 6, MSG_WAITALL), b);
    pthread_join(t, NULL);
    close(d);
    close(c);
    close(listening_fd);

    /* A full accept queue: backlog 0 holds one connection; the next waits in the handshake. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    a = v4("127.0.0.1", 0);
    len = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &len);
    listen(s, 0);
    int c1 = dial(&a);
    int c2 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    SHOW("connect past the backlog", connect(c2, (struct sockaddr *)&a, sizeof a));
    show_poll("poll, still in the handshake", c2);
    SHOW("connect again, still waiting", connect(c2, (struct sockaddr *)&a, sizeof a));
    int d1 = accept(s, NULL, NULL);
    settle(c2, POLLOUT);
    show_poll("poll, once accept made room", c2);
    int d2 = accept(s, NULL, NULL);
    printf("both accepted: %d\n", d1 >= 0 && d2 >= 0);
    close(d1);
    close(d2);
    close(c1);
    close(c2);
    close(s);
}

/* select on `fd` alone, for reading, without waiting. */
static int select_one(int fd) {
    fd_set r;
    struct timeval tv = {0, 0};
    FD_ZERO(&r);
    FD_SET(fd, &r);
    return select(fd + 1, &r, NULL, NULL, &tv);
}

static void selecting(void) {
    struct sockaddr_in a;
    int s = listener(&a);
    int c = dial(&a);
    int d = accept(s, NULL, NULL);
    fd_set r, w;
    struct timeval tv = {0, 0};
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(d, &r);
    FD_SET(d, &w);
    FD_SET(s, &r);
    int n = select((d > s ? d : s) + 1, &r, &w, NULL, &tv);
    printf("select, nothing to read: %d, readable %d, writable %d, listener %d\n", n, FD_ISSET(d, &r),
           FD_ISSET(d, &w), FD_ISSET(s, &r));
    write(c, "x", 1);
    FD_ZERO(&r);
    FD_SET(d, &r);
    tv = (struct timeval){5, 0};
    /* The system call itself: the libcs differ in whether their select shows the time left. */
    n = syscall(SYS_select, d + 1, &r, NULL, NULL, &tv);
    long left = tv.tv_sec * 1000000L + tv.tv_usec;
    printf("select, data: %d, readable %d, time left written back: %d\n", n, FD_ISSET(d, &r),
           left > 4000000 && left < 5000000);
    read(d, &n, 1);
    FD_ZERO(&r);
    FD_SET(d, &r);
    tv = (struct timeval){0, 50000};
    n = syscall(SYS_select, d + 1, &r, NULL, NULL, &tv);
    printf("select, 50 ms of nothing: %d, readable %d, time left %ld.%06ld\n", n, FD_ISSET(d, &r),
           (long)tv.tv_sec, (long)tv.tv_usec);
    int c2 = dial(&a);
    FD_ZERO(&r);
    FD_SET(s, &r);
    tv = (struct timeval){5, 0};
    printf("select, a connection to accept: %d\n", select(s + 1, &r, NULL, NULL, &tv));
    SHOW("select, descriptor 60", select_one(60));
    /* Select ignores the bits at or past the descriptor table's size, which grows with the
       highest descriptor ever placed in it and never shrinks: this process's size is whatever
       its parent's was, but a forked child's table is only as big as its open descriptors need
       (64 slots here), so descriptor 99 is past it until the child once places one above 63. */
    pid_t kid = fork();
    if (kid == 0) {
        SHOW("select in a fork, descriptor 99, past the table", select_one(99));
        SHOW("select in a fork, descriptor 64, past the table", select_one(64));
        SHOW("dup2 to 70", dup2(0, 70));
        SHOW("close 70", close(70));
        SHOW("select in a fork, descriptor 99, in the grown table", select_one(99));
        SHOW("select in a fork, descriptor 127, in the grown table", select_one(127));
        SHOW("select in a fork, descriptor 128, past the grown table", select_one(128));
        _exit(0);
    }
    int status = -1;
    waitpid(kid, &status, 0);
    printf("the fork exited: %d\n", status);
    tv = (struct timeval){0, 0};
    SHOW("select, n -1", select(-1, NULL, NULL, NULL, &tv));
    tv = (struct timeval){0, -1};
    SHOW("select, tv_usec -1", select(1, NULL, NULL, NULL, &tv));
    FD_ZERO(&w);
    FD_SET(c, &w);
    tv = (struct timeval){0, 1500000};
    SHOW("select, tv_usec 1500000", select(c + 1, NULL, &w, NULL, &tv));
    close(d);
    settle(c, POLLRDHUP);
    FD_ZERO(&r);
    FD_SET(c, &r);
    struct timespec ts = {0, 0};
    sigset_t none;
    sigemptyset(&none);
    n = pselect(c + 1, &r, NULL, NULL, &ts, &none);
    printf("pselect, the peer closed: %d, readable %d\n", n, FD_ISSET(c, &r));
    close(c);
    close(c2);
    close(s);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, on_sigpipe);
    errors();
    options();
    ports();
    exchange();
    closing();
    blocking();
    selecting();
    six();
    local();
    return 0;
}
