// Package conntrack is the connection-tracking table behind an AWS
// security group: the memory that makes security groups stateful. Section
// and rule ids (SG-n, CT-n, TRACE-x) name the AWS behaviours pfsim
// reproduces; the tests that prove each one carry its id. They are defined,
// with their sources, in https://github.com/pfsim/pfsim/blob/main/docs/aws-semantics.md#4-connection-tracking.
//
// # Why a security group keeps state
//
// Security groups are stateful: once an instance has sent a request, the
// answer to it gets back in, whatever the group's inbound rules say
// (SG-29). Rules are consulted for the packet that opens a connection;
// when they admit it, an entry is made here, and every later packet of
// that connection, in either direction, is admitted by the entry whatever
// the rules of its direction say (CT-8). A web server needs no outbound
// rule for its answers, a client no inbound rule for its replies. Entries
// outlive rule changes until they time out (CT-13, TRACE-G). A network
// ACL is stateless and still judges every packet (NACL-19): a reply the
// table admits can be dropped at the subnet edge (TRACE-C, TRACE-F).
//
// # One entry, both directions
//
// An entry is stored once, under the flow's canonical key
// ([flow.Key.Canonical]: whichever of the key and its reverse orders
// first), and remembers which way its first packet went. Packets in
// both directions land on that one entry, which tells each whether it
// goes the original way or the reply way ([Result.Reply], CT-7). What the
// key holds depends on the protocol: TCP and UDP use addresses and ports
// (CT-9); an ICMP query uses its identifier in place of ports, and an
// entry admits only its request type the original way and the matching
// reply type the reply way, echo 8↔0, ICMPv6 128↔129 and Linux's other
// pairs (CT-10); other protocols (GRE, ESP, ...) are tracked by address
// pair and protocol number alone: traffic of that protocol coming back
// from the same host within 600 seconds is let in (CT-12).
//
// Not every packet can open a connection. A TCP SYN, or a plain ACK or
// data segment (a connection picked up mid-stream, as Linux's
// nf_conntrack_tcp_loose does), can; a SYN-ACK, FIN or RST with no entry
// cannot (CT-17k). Any UDP or other-protocol packet can; of ICMP only a
// query request can, never a reply or an error: ICMP errors are not
// "related" to a connection and need a rule of their own (CT-10, CT-11).
// [Table.Create] reports such packets as [CannotStart] and stores nothing;
// the caller judges them by the rules alone.
//
// # One table per interface
//
// Security groups attach to network interfaces, and so does the state:
// each interface has its own table with its own timeouts and capacity
// (CT-22). A reply that comes back through another interface (asymmetric
// routing) does not find the first interface's entry.
//
// # States and timeouts
//
// Timeouts are idle timeouts: every packet of the connection, either way,
// restarts the timer. AWS documents three of them, configurable per
// interface ([Config], CT-16); for everything else pfsim uses Linux
// nf_conntrack's defaults, as AWS publishes no state machine (CT-17).
//
//	state        entered by                                   timeout    source
//	SYN_SENT     a SYN from the original side                 120 s      Linux tcp_timeout_syn_sent
//	SYN_RECV     the SYN-ACK in the reply direction           60 s       Linux tcp_timeout_syn_recv
//	ESTABLISHED  the original side's ACK, or a mid-stream     432000 s   AWS TcpEstablishedTimeout,
//	             pickup                                                  60..432000 s
//	FIN_WAIT     the first FIN                                120 s      Linux tcp_timeout_fin_wait
//	CLOSE_WAIT   the other side's ACK of that FIN             60 s       Linux tcp_timeout_close_wait
//	LAST_ACK     the second FIN                               30 s       Linux tcp_timeout_last_ack
//	TIME_WAIT    the ACK after both FINs                      120 s      Linux tcp_timeout_time_wait
//	CLOSE        an RST after a reply was seen                10 s       Linux tcp_timeout_close
//	UDP          traffic one way or one request-response      30 s       AWS UdpTimeout, 30..60 s
//	UDP_STREAM   the second completed transaction; for good   180 s      AWS UdpStreamTimeout, 60..180 s
//	ICMP         an ICMP or ICMPv6 query request              30 s       Linux icmp_timeout
//	GENERIC      a packet of any other protocol               600 s      AWS (CT-12); Linux agrees
//
// An RST before any reply-direction packet, such as the RST-ACK of a
// refused connection (TRACE-D D5), is admitted and removes the entry
// straight away, which is Linux's behaviour too ([Result.Closed], CT-17h). A SYN from the original
// side on a TIME_WAIT or CLOSE entry opens the connection again. Windows
// and sequence numbers are not checked (CT-17j). A UDP flow counts
// one transaction whenever a packet going the reply way comes after one
// going the original way (CT-17n).
//
// # Untracked flows are decided elsewhere
//
// AWS does not track a TCP or UDP flow whose rules are open to the whole
// internet both ways (CT-3, CT-4). That is a question about rules, so
// package sg answers it, before it calls [Table.Create], and an untracked
// flow never reaches this table: it takes no capacity (CT-5) and gets no
// reply privilege (SG-31). This package tracks whatever it is asked to.
//
// # Simulated time
//
// Nothing here reads the wall clock. Every method that can see an entry
// age takes the caller's now, so a simulation can replay a trace in
// microseconds, jump five days ahead, or go back and run again. An entry
// whose last packet came at last is alive at now while now − last is less
// than its timeout; a packet at exactly last + timeout finds nothing, and
// [Table.Lookup] says so with [Result.Expired], while the entry has not
// been swept away, so that an explanation can mention it (CT-17). Times
// are kept as Unix nanoseconds, and now must lie between [MinTime] (1900)
// and [MaxTime] (2200) ([CheckTime]); the zero [time.Time] (year 1) does
// not, and a table refuses it.
//
// # Capacity
//
// AWS limits how many connections an instance can track; past the limit,
// packets that would open a new connection are dropped (CT-18). Its
// numbers per instance type are not published, so pfsim's capacity is a
// setting, [Config.Capacity], unlimited by default (CT-20). When a table
// is full, [Table.Create] first clears every expired entry; if there is
// still no room it returns [Full], the caller drops the packet, and the
// drop is counted in [Table.Exceeded], AWS's conntrack_allowance_exceeded
// metric. [Table.Available] is conntrack_allowance_available (CT-19).
// Packets of connections already tracked are never refused. The limit is
// exact even when goroutines race to fill the last slot.
//
// # Expiry and sweeping
//
// Expiry is lazy: an entry stays in memory after its timeout until a
// packet of its flow meets it (and removes it), a full table clears it,
// [Table.Create] comes across it, or [Table.Sweep] does. Create looks at a
// few slots of its shard, where the last sweep stopped, for each entry it
// stores, and at all of them before the shard would grow, so a table that
// is never swept still holds about its live connections, not every one it
// ever saw. Sweep(now, max) looks at about max slots, spread over the
// shards, and continues where the previous call stopped, so a caller can
// bound the work done per tick; Sweep(now, 0) removes every expired
// entry. [Table.Len] and [Table.Available] count entries still in
// memory, expired or not (sweep first for exact figures at a time);
// [Table.Conns] lists the live ones at a time.
//
// # Concurrency and lock discipline
//
// A [Table] is safe for concurrent use. It is split into shards (16 by
// default, [Config.Shards]), each an open-addressing hash table whose
// slots hold the entries themselves, guarded by its own mutex. Both
// directions of a flow hash to the same shard. A method holds at most one
// shard lock at a time and never calls out while holding it
// ([Table.Reconfigure] takes them all, in order); the entry count and
// the exceeded counter are atomics, and capacity is reserved with a
// compare-and-swap before an entry is stored. Only a full table's
// clearing, Sweep and Conns visit every shard, one after another.
//
// [Table.Lookup] runs on every packet and does not allocate;
// [Table.Create] does not allocate once the table is warm (room in the
// shard under its load limit). The tests hold both to zero allocations.
// A slot is one 64-byte cache line holding key, state and times, so a
// lookup that finds its flow in its home slot touches one line of the
// table, and the garbage collector has no pointers to scan in it. At most
// 3/4 of the slots are in use and a full shard grows by half: a tracked
// connection costs 85 to 128 bytes of heap as a table grows, about 87
// when [Config.SizeHint] presizes it for a million (the derivation is
// beside the shard type).
//
// # Use
//
// A security-group stage (package sg) calls [Table.Lookup] first; a
// packet it finds is admitted. Otherwise the rules decide, and a packet
// they admit that is tracked goes to [Table.Create]:
//
//	if r, ok := tab.Lookup(&p, now); ok {
//		// allowed: tracked connection, state r.State
//	} else if ruleAllows(p) && tracked(p) {
//		switch _, st := tab.Create(&p, now); st {
//		case conntrack.Created, conntrack.Existing:
//			// allowed, now tracked
//		case conntrack.CannotStart:
//			// allowed by the rule, nothing tracked
//		case conntrack.Full:
//			// dropped: connection table full
//		}
//	}
package conntrack
