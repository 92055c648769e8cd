import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, type ReactNode, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { Link, Route, Switch } from "wouter";
import { isOrderClientError } from "./api";
import {
  type Claims,
  forgetToken,
  readToken,
  storedToken,
  storeToken,
  takeSignInFromAddress,
} from "./auth";
import { describeError, errorCode } from "./errors";
import { DeliveriesPage } from "./pages/deliveries-page";
import { FailuresPage } from "./pages/failures-page";
import { ImportPage } from "./pages/import-page";
import { InvoicesPage } from "./pages/invoices-page";
import { MatrixPage } from "./pages/matrix-page";
import { OrderAtPage } from "./pages/order-at-page";
import { OrderPage } from "./pages/order-page";
import { OrdersPage } from "./pages/orders-page";
import { ProcessesPage } from "./pages/processes-page";
import { exchangeSignInCode, SignInPage } from "./pages/sign-in-page";
import { ServiceClockProvider } from "./service-clock";
import { type Session, SessionContext, useCanChange, useSession } from "./session";
import { createClient, TRPCProvider } from "./trpc";

// Mermaid is large: the diagram page and its library load only when someone opens it.
const ProcessPage = lazy(() => import("./pages/process-page"));

type SignInResult = { token: string; claims: Claims } | { problem: string };

type State =
  | { kind: "signed-in"; token: string; claims: Claims }
  | { kind: "checking"; exchange: Promise<SignInResult> }
  | { kind: "signed-out"; message: string | null };

// The address is read once, when the app loads, and a link's code exchanged once (React may
// run the first render and its effects twice; a code works only once).
const fromLink = takeSignInFromAddress();
const linkExchange = fromLink && "code" in fromLink ? exchangeSignInCode(fromLink.code) : null;

function initialState(): State {
  if (linkExchange) return { kind: "checking", exchange: linkExchange };
  if (fromLink)
    return {
      kind: "signed-out",
      message:
        "Sign-in links no longer carry a token. Paste the token below, or open a new link (npm run -s sign-in).",
    };
  const stored = storedToken();
  if (stored !== null) {
    const read = readToken(stored);
    if ("claims" in read) return { kind: "signed-in", token: stored, claims: read.claims };
    forgetToken();
    return { kind: "signed-out", message: read.problem };
  }
  return { kind: "signed-out", message: null };
}

export function App() {
  const [state, setState] = useState<State>(initialState);
  const signOut = useCallback((reason?: string) => {
    forgetToken();
    setState({ kind: "signed-out", message: reason ?? null });
  }, []);
  const signIn = useCallback((token: string, claims: Claims) => {
    storeToken(token);
    setState({ kind: "signed-in", token, claims });
  }, []);

  // A sign-in link's code is exchanged for a token (once), then the tab keeps the token.
  useEffect(() => {
    if (state.kind !== "checking") return;
    let current = true;
    void state.exchange.then((result) => {
      if (!current) return;
      if ("problem" in result) setState({ kind: "signed-out", message: result.problem });
      else signIn(result.token, result.claims);
    });
    return () => {
      current = false;
    };
  }, [state, signIn]);

  if (state.kind === "checking")
    return (
      <main className="sign-in">
        <p role="status">Signing in…</p>
      </main>
    );
  if (state.kind === "signed-out")
    return <SignInPage message={state.message} onSignedIn={signIn} />;
  return <SignedIn key={state.token} token={state.token} claims={state.claims} signOut={signOut} />;
}

function SignedIn({ token, claims, signOut }: Session) {
  const [queryClient] = useState(() => {
    const onError = (error: unknown) => {
      if (errorCode(error) === "UNAUTHORIZED") signOut(describeError(error));
    };
    return new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: {
        queries: {
          staleTime: 1_000,
          // Only a request that got no answer is worth repeating; an answer stands.
          retry: (failures, error) => isOrderClientError(error) && !error.data && failures < 2,
        },
        mutations: { retry: false },
      },
    });
  });
  const [trpcClient] = useState(() => createClient(() => storedToken() ?? token));
  const session = useMemo(() => ({ token, claims, signOut }), [token, claims, signOut]);
  const canChange = claims.role === "backoffice";
  return (
    <SessionContext.Provider value={session}>
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          <ServiceClockProvider>
            <Layout>
              <Switch>
                <Route path="/" component={OrdersPage} />
                <Route path="/matrix" component={MatrixPage} />
                <Route path="/deliveries" component={DeliveriesPage} />
                <Route path="/failures" component={FailuresPage} />
                <Route path="/invoices" component={InvoicesPage} />
                <Route path="/import">{canChange ? <ImportPage /> : <ReadOnly />}</Route>
                <Route path="/processes" component={ProcessesPage} />
                <Route path="/orders/:reference/process">
                  {(params) => (
                    <Suspense fallback={<p role="status">Loading the process diagram…</p>}>
                      <ProcessPage reference={params.reference} />
                    </Suspense>
                  )}
                </Route>
                <Route path="/orders/:reference/at/:version">
                  {(params) => (
                    <OrderAtPage reference={params.reference} version={Number(params.version)} />
                  )}
                </Route>
                <Route path="/orders/:reference">
                  {(params) => <OrderPage key={params.reference} reference={params.reference} />}
                </Route>
                <Route>
                  <h1>Not found</h1>
                  <p>
                    There is no page here. <Link href="/">Go to the orders</Link>.
                  </p>
                </Route>
              </Switch>
            </Layout>
          </ServiceClockProvider>
        </TRPCProvider>
      </QueryClientProvider>
    </SessionContext.Provider>
  );
}

function ReadOnly() {
  return (
    <>
      <h1>Not for your role</h1>
      <p>
        Your role reads orders and adds notes; it changes nothing.{" "}
        <Link href="/">Go to the orders</Link>.
      </p>
    </>
  );
}

function Layout({ children }: { children: ReactNode }) {
  const { claims, signOut } = useSession();
  const canChange = useCanChange();
  return (
    <>
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          edge-oms back office
        </Link>
        <nav aria-label="Main">
          <Link href="/">Orders</Link>
          <Link href="/matrix">Matrix</Link>
          <Link href="/deliveries">ERP deliveries</Link>
          <Link href="/failures">Failures</Link>
          <Link href="/invoices">Invoices</Link>
          <Link href="/processes">Processes</Link>
          {canChange && <Link href="/import">Import</Link>}
        </nav>
        <span className="who">
          Signed in as <strong>{claims.sub}</strong> ({claims.role})
        </span>
        <button type="button" className="quiet" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main id="content" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
