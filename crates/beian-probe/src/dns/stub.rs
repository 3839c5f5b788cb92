//! 查询通道 — one DNS question to the configured servers: UDP on a few long-lived sockets,
//! TCP when the answer is truncated.
//!
//! hickory-resolver's own client opens, registers and closes a fresh UDP socket for every
//! query and runs each through its name-server pool, retry and shared-lookup layers. A sweep
//! asks four questions per filed domain (A and AAAA, for the domain and its `www` host); a
//! call-graph profile of a 10,000-site sweep put about a sixth of its samples under that
//! client. Replacing it alone did not change a 100,000-site sweep's CPU beyond the machine's
//! noise, but it opens four sockets instead of one per question, and it cannot lose
//! replies to a flood of sockets. Here a few sockets are bound once (by the kernel, to
//! random ports) and shared. The messages themselves are still hickory-proto's.
//!
//! A reply is taken only if it comes from the server the question went to, carries the
//! question's random transaction id, is a response, and repeats the question; anything else
//! is dropped as if it never came, so a forged or stray datagram cannot answer a question.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_resolver::proto::op::{Message, MessageType, OpCode, Query};
use hickory_resolver::proto::rr::{Name, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::lock;

/// UDP sockets per address family. More than one spreads the receive work; each holds at most
/// 65,536 questions in flight (one per transaction id).
const SOCKETS_PER_FAMILY: usize = 4;
/// The largest reply read over UDP. Without EDNS a server sends at most 512 bytes and sets
/// the truncation bit for more; the margin is for servers that do not.
const UDP_REPLY_CAP: usize = 4096;
/// The receive buffer asked for each socket.
const RECEIVE_BUFFER: usize = 4 << 20;
/// The largest reply read over TCP (its two-byte length prefix allows 65,535).
const TCP_REPLY_CAP: usize = 65_535;
/// The fixed DNS header: id, flags and the four section counts. The question follows it.
const HEADER_LEN: usize = 12;

/// Why a question got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Failure {
    /// No reply within the timeout, on any attempt.
    Timeout,
    /// The name cannot be asked (too long, bad label).
    BadName(String),
    /// A socket failed, or a reply could not be decoded.
    Other(String),
}

/// The DNS servers and the shared sockets. Cheap to clone.
#[derive(Clone)]
pub(super) struct StubClient {
    inner: Arc<Inner>,
}

struct Inner {
    servers: Vec<SocketAddr>,
    timeout: Duration,
    attempts: usize,
    /// Bound on first use, inside the runtime that will read them.
    sockets: tokio::sync::OnceCell<Result<Sockets, String>>,
}

/// The shared sockets of each address family the servers use.
struct Sockets {
    v4: Vec<Arc<Channel>>,
    v6: Vec<Arc<Channel>>,
    /// The receive loops, stopped when the client goes.
    receivers: Vec<JoinHandle<()>>,
}

impl Drop for Sockets {
    fn drop(&mut self) {
        for receiver in &self.receivers {
            receiver.abort();
        }
    }
}

/// One UDP socket and the questions waiting on it, by transaction id.
struct Channel {
    socket: UdpSocket,
    waiting: Mutex<HashMap<u16, Waiting>>,
}

/// A question sent and not yet answered.
struct Waiting {
    server: SocketAddr,
    /// The question section as sent, which the reply must repeat.
    question: Arc<[u8]>,
    reply: oneshot::Sender<Vec<u8>>,
}

/// Takes a question off the waiting list when its asker stops waiting (answered, timed
/// out or cancelled), so the list holds only live questions.
struct WaitingGuard<'a> {
    channel: &'a Channel,
    id: u16,
}

impl Drop for WaitingGuard<'_> {
    fn drop(&mut self) {
        lock(&self.channel.waiting).remove(&self.id);
    }
}

impl StubClient {
    /// A client for `servers`; the sockets are bound by the first question.
    pub(super) fn new(servers: Vec<SocketAddr>, timeout: Duration, attempts: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                servers,
                timeout,
                attempts: attempts.max(1),
                sockets: tokio::sync::OnceCell::new(),
            }),
        }
    }

    /// Asks `name`/`record_type` (recursion desired), trying each server in turn for each
    /// attempt. A server's SERVFAIL or REFUSED sends the question on to the next server;
    /// if every server says so, that answer is returned.
    pub(super) async fn ask(
        &self,
        name: &Name,
        record_type: RecordType,
    ) -> Result<Message, Failure> {
        let mut message = Message::new(0, MessageType::Query, OpCode::Query);
        message.metadata.recursion_desired = true;
        message.add_query(Query::query(name.clone(), record_type));
        let bytes = message
            .to_vec()
            .map_err(|e| Failure::BadName(e.to_string()))?;
        let question: Arc<[u8]> = Arc::from(bytes.get(HEADER_LEN..).unwrap_or_default());

        let mut refusal = None;
        let mut last_failure = Failure::Timeout;
        for _ in 0..self.inner.attempts {
            for &server in &self.inner.servers {
                match self.exchange(server, &bytes, &question).await {
                    Ok(reply) => {
                        use hickory_resolver::proto::op::ResponseCode;
                        let code = reply.metadata.response_code;
                        if code == ResponseCode::ServFail || code == ResponseCode::Refused {
                            refusal = Some(reply);
                            continue;
                        }
                        return Ok(reply);
                    }
                    Err(failure) => last_failure = failure,
                }
            }
            if let Some(reply) = refusal {
                return Ok(reply);
            }
        }
        Err(last_failure)
    }

    /// One question to one server: over UDP, then over TCP if the reply is truncated.
    async fn exchange(
        &self,
        server: SocketAddr,
        query: &[u8],
        question: &Arc<[u8]>,
    ) -> Result<Message, Failure> {
        let reply = tokio::time::timeout(self.inner.timeout, self.udp(server, query, question))
            .await
            .map_err(|_| Failure::Timeout)??;
        let message = decode(&reply)?;
        if !message.metadata.truncation {
            return Ok(message);
        }
        let reply = tokio::time::timeout(self.inner.timeout, tcp(server, query, question))
            .await
            .map_err(|_| Failure::Timeout)??;
        decode(&reply)
    }

    async fn udp(
        &self,
        server: SocketAddr,
        query: &[u8],
        question: &Arc<[u8]>,
    ) -> Result<Vec<u8>, Failure> {
        let sockets = self
            .inner
            .sockets
            .get_or_init(|| async {
                Sockets::bind(&self.inner.servers)
                    .map_err(|e| format!("cannot bind a UDP socket: {e}"))
            })
            .await
            .as_ref()
            .map_err(|e| Failure::Other(e.clone()))?;
        let channels = if server.is_ipv4() {
            &sockets.v4
        } else {
            &sockets.v6
        };
        let (id, pick) = (random_id(), random_id());
        let channel = channels
            .get(usize::from(pick) % channels.len().max(1))
            .ok_or_else(|| Failure::Other("no socket for this address family".into()))?;
        let (sender, receiver) = oneshot::channel();
        let id = {
            let mut waiting = lock(&channel.waiting);
            // A fresh random id that no question on this socket holds.
            let mut id = id;
            loop {
                match waiting.entry(id) {
                    Entry::Occupied(_) => id = random_id(),
                    Entry::Vacant(slot) => {
                        slot.insert(Waiting {
                            server,
                            question: Arc::clone(question),
                            reply: sender,
                        });
                        break id;
                    }
                }
            }
        };
        let _guard = WaitingGuard { channel, id };
        let mut datagram = query.to_vec();
        if let Some(header) = datagram.get_mut(..2) {
            header.copy_from_slice(&id.to_be_bytes());
        }
        channel
            .socket
            .send_to(&datagram, server)
            .await
            .map_err(|e| Failure::Other(e.to_string()))?;
        receiver
            .await
            .map_err(|_| Failure::Other("the receive loop stopped".into()))
    }
}

impl Sockets {
    /// Binds the sockets for the families of `servers` and starts their receive loops.
    fn bind(servers: &[SocketAddr]) -> std::io::Result<Sockets> {
        let mut receivers = Vec::new();
        let mut bind = |wanted: bool, any: IpAddr| -> std::io::Result<Vec<Arc<Channel>>> {
            if !wanted {
                return Ok(Vec::new());
            }
            let mut channels = Vec::new();
            for _ in 0..SOCKETS_PER_FAMILY {
                let domain = if any.is_ipv4() {
                    socket2::Domain::IPV4
                } else {
                    socket2::Domain::IPV6
                };
                let socket = socket2::Socket::new(
                    domain,
                    socket2::Type::DGRAM,
                    Some(socket2::Protocol::UDP),
                )?;
                // Room for the replies of a burst while the receive loop waits for a core
                // (the kernel may grant less; the asker's timeout covers a lost reply).
                let _ = socket.set_recv_buffer_size(RECEIVE_BUFFER);
                socket.set_nonblocking(true)?;
                socket.bind(&SocketAddr::new(any, 0).into())?;
                let channel = Arc::new(Channel {
                    socket: UdpSocket::from_std(socket.into())?,
                    waiting: Mutex::new(HashMap::new()),
                });
                receivers.push(tokio::spawn(receive(Arc::clone(&channel))));
                channels.push(channel);
            }
            Ok(channels)
        };
        let v4 = bind(
            servers.iter().any(SocketAddr::is_ipv4),
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        )?;
        let v6 = bind(
            servers.iter().any(SocketAddr::is_ipv6),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        )?;
        Ok(Sockets { v4, v6, receivers })
    }
}

/// One TCP exchange: a new connection, the query with its length prefix, one reply.
async fn tcp(server: SocketAddr, query: &[u8], question: &[u8]) -> Result<Vec<u8>, Failure> {
    let io = |e: std::io::Error| Failure::Other(format!("TCP: {e}"));
    let mut stream = TcpStream::connect(server).await.map_err(io)?;
    let id = random_id();
    let length =
        u16::try_from(query.len()).map_err(|_| Failure::BadName("query too long".into()))?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(&id.to_be_bytes());
    framed.extend_from_slice(query.get(2..).unwrap_or_default());
    stream.write_all(&framed).await.map_err(io)?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).await.map_err(io)?;
    let length = usize::from(u16::from_be_bytes(prefix)).min(TCP_REPLY_CAP);
    let mut reply = vec![0u8; length];
    stream.read_exact(&mut reply).await.map_err(io)?;
    if !answers(&reply, id, question) {
        return Err(Failure::Other(
            "TCP reply does not answer the question".into(),
        ));
    }
    Ok(reply)
}

/// Hands each datagram to the question it answers; drops the rest.
async fn receive(channel: Arc<Channel>) {
    let mut buffer = vec![0u8; UDP_REPLY_CAP];
    loop {
        let Ok((length, from)) = channel.socket.recv_from(&mut buffer).await else {
            // ICMP errors (a port unreachable) surface here on some systems; the asker's
            // timeout covers them. The pause keeps a socket that keeps failing from
            // spinning.
            tokio::time::sleep(Duration::from_millis(1)).await;
            continue;
        };
        let datagram = buffer.get(..length).unwrap_or_default();
        let Some(id) = datagram.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]])) else {
            continue;
        };
        let mut waiting = lock(&channel.waiting);
        let Entry::Occupied(entry) = waiting.entry(id) else {
            continue;
        };
        let expected = entry.get();
        if expected.server != from || !answers(datagram, id, &expected.question) {
            continue;
        }
        let asker = entry.remove();
        drop(waiting);
        let _ = asker.reply.send(datagram.to_vec());
    }
}

/// Whether `reply` is a response with transaction id `id` that repeats `question` (names
/// compared without regard to ASCII case, as DNS does).
fn answers(reply: &[u8], id: u16, question: &[u8]) -> bool {
    let Some(header) = reply.get(..HEADER_LEN) else {
        return false;
    };
    let is_response = header[2] & 0x80 != 0;
    let one_question = header[4] == 0 && header[5] == 1;
    is_response
        && one_question
        && u16::from_be_bytes([header[0], header[1]]) == id
        && reply
            .get(HEADER_LEN..HEADER_LEN + question.len())
            .is_some_and(|echoed| echoed.eq_ignore_ascii_case(question))
}

fn decode(reply: &[u8]) -> Result<Message, Failure> {
    Message::from_vec(reply).map_err(|e| Failure::Other(format!("malformed reply: {e}")))
}

fn random_id() -> u16 {
    rand::random()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply_to(question: &[u8], id: u16) -> Vec<u8> {
        let mut reply = vec![0u8; HEADER_LEN];
        reply[..2].copy_from_slice(&id.to_be_bytes());
        reply[2] = 0x81;
        reply[5] = 1;
        reply.extend_from_slice(question);
        reply
    }

    #[test]
    fn a_reply_must_repeat_the_question_and_its_id() {
        let question = b"\x07example\x02cn\x00\x00\x01\x00\x01";
        let reply = reply_to(question, 0x1234);
        assert!(answers(&reply, 0x1234, question));
        assert!(!answers(&reply, 0x1235, question), "another id");
        let upper = reply_to(b"\x07EXAMPLE\x02CN\x00\x00\x01\x00\x01", 0x1234);
        assert!(answers(&upper, 0x1234, question), "case is not significant");
        let other = reply_to(b"\x07example\x02cn\x00\x00\x1c\x00\x01", 0x1234);
        assert!(!answers(&other, 0x1234, question), "another record type");
        let mut query = reply.clone();
        query[2] = 0x01;
        assert!(
            !answers(&query, 0x1234, question),
            "a query, not a response"
        );
        assert!(
            !answers(&reply[..HEADER_LEN + 3], 0x1234, question),
            "cut short"
        );
        assert!(!answers(&[], 0x1234, question));
    }
}
