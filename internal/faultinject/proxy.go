package faultinject

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy is a TCP proxy on 127.0.0.1 between a database driver and its server
// that can cut every connection at a chosen moment, or once a chosen number
// of request bytes has passed, and delay traffic — the network faults a
// Lambda function sees from a managed database.
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closed  bool
	cuts    []int64 // cumulative request-byte marks at which to cut, ascending
	delay   time.Duration
	wg      sync.WaitGroup
	upBytes atomic.Int64
	nCuts   atomic.Int64
}

// NewProxy listens on a free loopback port and forwards to target.
func NewProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// CutAt arranges for every open connection to be cut when the total of
// request bytes sent through the proxy passes each mark.
func (p *Proxy) CutAt(marks ...int64) {
	p.mu.Lock()
	p.cuts = append(p.cuts, marks...)
	p.mu.Unlock()
}

// SetDelay delays every forwarded chunk by d (0 turns it off).
func (p *Proxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// CutAll closes every open connection now, mid-request or not.
func (p *Proxy) CutAll() {
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.nCuts.Add(1)
}

// Cuts reports how many times connections were cut.
func (p *Proxy) Cuts() int64 { return p.nCuts.Load() }

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.CutAll()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			up.Close()
			return
		}
		p.conns[c] = struct{}{}
		p.conns[up] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(up, c, true)
		go p.pipe(c, up, false)
	}
}

// pipe copies src to dst; request traffic (client to server) counts towards
// the cut marks.
func (p *Proxy) pipe(dst, src net.Conn, request bool) {
	defer p.wg.Done()
	defer func() {
		dst.Close()
		src.Close()
		p.mu.Lock()
		delete(p.conns, dst)
		delete(p.conns, src)
		p.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			d := p.delay
			p.mu.Unlock()
			if d > 0 {
				time.Sleep(d)
			}
			chunk := buf[:n]
			if request {
				total := p.upBytes.Add(int64(n))
				if p.cutDue(total) {
					// Forward part of the request, then cut: the server may
					// have received and applied some of it.
					dst.Write(chunk[:n/2])
					p.CutAll()
					return
				}
			}
			if _, werr := dst.Write(chunk); werr != nil {
				return
			}
		}
		if err != nil {
			return // EOF or a cut: either way this direction is done
		}
	}
}

func (p *Proxy) cutDue(total int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.cuts) == 0 || total < p.cuts[0] {
		return false
	}
	for len(p.cuts) > 0 && total >= p.cuts[0] {
		p.cuts = p.cuts[1:]
	}
	return true
}
