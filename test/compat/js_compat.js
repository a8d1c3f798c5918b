// node-zookeeper-client against Arbor: create, getData with a watch, an
// ephemeral node removed when its session closes. Prints PASS or exits 1.
const path = require('path');
const zk = require(path.join(process.cwd(), 'node_modules', 'node-zookeeper-client'));
const hosts = process.argv[2];
const fail = (m, e) => { console.log('FAIL', m, e ? e.toString() : ''); process.exit(1); };
const ok = (m) => console.log('ok:', m);
setTimeout(() => fail('timeout'), 30000);

const a = zk.createClient(hosts, { sessionTimeout: 10000 });
const b = zk.createClient(hosts, { sessionTimeout: 10000 });
let connected = 0;
const start = () => { if (++connected === 2) run(); };
a.once('connected', start);
b.once('connected', start);
a.connect();
b.connect();

function run() {
  a.create('/js', Buffer.from('v1'), zk.CreateMode.PERSISTENT, (e) => {
    if (e) return fail('create', e);
    ok('create');
    a.getData('/js', (ev) => {
      if (ev.getType() !== zk.Event.NODE_DATA_CHANGED || ev.getPath() !== '/js') return fail('watch ' + ev);
      ok('data watch fired');
      a.getData('/js', (e2, d2, st2) => {
        if (e2 || d2.toString() !== 'v2' || st2.version !== 1) return fail('get after watch', e2);
        ok('getData sees v2, version 1');
        ephemeral();
      });
    }, (e1, d1) => {
      if (e1 || d1.toString() !== 'v1') return fail('getData', e1);
      ok('getData with watch');
      a.setData('/js', Buffer.from('v2'), 0, (e4) => { if (e4) fail('setData', e4); });
    });
  });
}

function ephemeral() {
  b.create('/js/eph', Buffer.from(''), zk.CreateMode.EPHEMERAL, (e) => {
    if (e) return fail('create ephemeral', e);
    a.exists('/js/eph', (ev) => {
      if (ev.getType() !== zk.Event.NODE_DELETED) return fail('ephemeral watch ' + ev);
      a.exists('/js/eph', (e3, st) => {
        if (e3 || st) return fail('ephemeral still there', e3);
        ok('ephemeral removed when its session closed');
        a.remove('/js', -1, (e5) => {
          if (e5) return fail('remove', e5);
          a.close();
          console.log('PASS');
          process.exit(0);
        });
      });
    }, (e2, st) => {
      if (e2 || !st || st.ephemeralOwner.toString('hex') === '0000000000000000') return fail('exists ephemeral', e2);
      ok('ephemeral created');
      b.close();
    });
  });
}
