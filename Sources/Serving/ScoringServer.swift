import Foundation
import Hummingbird
import HummingbirdCore
import Inference
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local REST scoring endpoint with Azure ML's contract: `POST /score` with
/// `{"data": [...]}` → `{"result": [...]}`, `GET /` health check, `GET /swagger.json` (OpenAPI).
package struct ScoringServer: Sendable {
    package struct Configuration: Sendable {
        package var host = "127.0.0.1"
        /// 0 picks a free port.
        package var port = 8080
        package var threads = 1
        /// Requests in flight at once (Azure ML: `replica_max_concurrent_requests`).
        package var maxConcurrentRequests = 1
        /// Milliseconds a request may wait for a slot before 503 (`max_request_wait_time`).
        package var maxRequestWaitMs = 500.0
        /// Requests that may wait at once (more get 503 immediately).
        package var maxQueued = 256
        package var maxBodyBytes = 10 << 20
        /// When set, requests need `Authorization: Bearer <key>`.
        package var key: String?
        /// Seconds a connection may go without a complete request part: a request head still
        /// arriving (slow headers), a body that stalls, or an idle keep-alive connection; then it
        /// is closed.
        package var idleTimeoutSeconds = 30.0
        /// Seconds a request's whole body may take to arrive; then 408 and the connection closes.
        package var bodyTimeoutSeconds = 30.0
        /// Connections open at once; one more is closed as soon as it is accepted.
        package var maxConnections = 1024
        package init() {}
    }

    package let model: ScoringModel
    package let configuration: Configuration

    package init(model: ScoringModel, configuration: Configuration) {
        self.model = model
        self.configuration = configuration
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The application (run it with `runService()` or inside a `ServiceGroup`).
    package func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        let model = self.model
        let config = configuration
        let admission = AdmissionController(
            maxConcurrent: config.maxConcurrentRequests, maxWaitSeconds: config.maxRequestWaitMs / 1000, maxQueued: config.maxQueued)
        let swagger = Self.swagger(model)
        router.get("/") { _, _ -> Response in
            Self.json(.ok, ["status": "Healthy", "model": model.graph.name])
        }
        router.get("/swagger.json") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: swagger)))
        }
        router.post("/score") { request, _ -> Response in
            if let key = config.key {
                guard request.headers[.authorization] == "Bearer \(key)" else {
                    return Self.json(.unauthorized, ["error": "missing or wrong Authorization header; expected 'Bearer <key>'"])
                }
            }
            if let coding = request.headers[.transferEncoding], coding.lowercased() != "chunked" {
                // RFC 9112 §6.1: a transfer coding the server does not understand is 501.
                return Self.closing(Self.json(.notImplemented, ["error": "Transfer-Encoding '\(coding)' is not supported (only chunked)"]))
            }
            if let length = request.headers[.contentLength].flatMap(Int.init), length > config.maxBodyBytes {
                return Self.closing(
                    Self.json(.contentTooLarge, ["error": "body of \(length) bytes exceeds the limit of \(config.maxBodyBytes)"]))
            }
            let buffer: ByteBuffer
            switch await Self.body(request, limit: config.maxBodyBytes, timeout: config.bodyTimeoutSeconds) {
            case .success(let b): buffer = b
            case .tooLarge:
                return Self.closing(Self.json(.contentTooLarge, ["error": "body exceeds the limit of \(config.maxBodyBytes) bytes"]))
            case .timedOut:
                return Self.closing(
                    Self.json(.requestTimeout, ["error": "the body did not arrive within \(config.bodyTimeoutSeconds) s"]))
            case .malformed(let why):
                return Self.closing(Self.json(.badRequest, ["error": "malformed body: \(why)"]))
            }
            let parsed: (samples: [[Float]], batched: Bool)
            do {
                parsed = try ScoringJSON.parse(Data(buffer.readableBytesView), inputShape: model.inputShape)
            } catch {
                return Self.json(.badRequest, ["error": "\(error)"])
            }
            if parsed.samples.count > 1 && model.graph.batchIsSequence {
                return Self.json(
                    .badRequest,
                    [
                        "error":
                            "this model's batch axis is a stream of steps through one recurrent state (its recurrence runs across the batch); send one \(describe(model.inputShape)) step per request"
                    ])
            }
            switch await admission.acquire() {
            case .rejected(let why):
                return Self.json(.serviceUnavailable, ["error": "service busy: \(why)"])
            case .admitted:
                break
            }
            do {
                let outputs = try await model.score(parsed.samples, finished: { admission.release() })
                let body = try ScoringJSON.render(outputs, outputShape: model.outputShape, batched: parsed.batched)
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
            } catch {
                return Self.json(.internalServerError, ["error": "\(error)"])
            }
        }
        var logger = Logger(label: "deploy-advisor.serve")
        logger.logLevel = .warning
        let open = ConnectionCap.Counter()
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionCap(counter: open, limit: config.maxConnections)],
            idleTimeout: .nanoseconds(Int64(config.idleTimeoutSeconds * 1e9)))
        return Application(
            router: router, server: .http1(configuration: http),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "deploy-advisor"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? config.port) }, logger: logger)
    }

    /// `response` with `Connection: close`: after an error the rest of the request's body (if
    /// any) is not read, so the connection cannot carry another request.
    static func closing(_ response: Response) -> Response {
        var r = response
        r.headers[.connection] = "close"
        return r
    }

    enum Body {
        case success(ByteBuffer)
        case tooLarge
        case timedOut
        case malformed(String)
    }

    /// The request's body, at most `limit` bytes, within `timeout` seconds.
    static func body(_ request: Request, limit: Int, timeout: Double) async -> Body {
        await withTaskGroup(of: Body?.self) { group in
            group.addTask {
                do {
                    return .success(try await request.body.collect(upTo: limit))
                } catch is NIOTooManyBytesError {
                    return .tooLarge
                } catch is CancellationError {
                    return nil
                } catch {
                    // A bad chunk size, the connection closing mid-body: the request is malformed.
                    return .malformed("\(error)")
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeout))
                return Task.isCancelled ? nil : .timedOut
            }
            var result: Body = .timedOut
            if let first = await group.next(), let r = first { result = r }
            group.cancelAll()
            return result
        }
    }

    /// OpenAPI 3 description of the endpoint with the model's shapes.
    static func swagger(_ model: ScoringModel) -> Data {
        func nested(_ shape: [Int]) -> [String: Any] {
            var schema: [String: Any] = ["type": "number", "format": "float"]
            for d in shape.reversed() { schema = ["type": "array", "items": schema, "minItems": d, "maxItems": d] }
            return schema
        }
        let input: [String: Any] = [
            "oneOf": [nested(model.inputShape), ["type": "array", "items": nested(model.inputShape), "minItems": 1]]
        ]
        let output: [String: Any] = ["oneOf": [nested(model.outputShape), ["type": "array", "items": nested(model.outputShape)]]]
        let doc: [String: Any] = [
            "openapi": "3.0.3",
            "info": ["title": "deploy-advisor scoring: \(model.graph.name)", "version": "1.0"],
            "paths": [
                "/": ["get": ["summary": "Health check", "responses": ["200": ["description": "Healthy"]]]],
                "/score": [
                    "post": [
                        "summary": "Score one input \(describe(model.inputShape)) or a batch [N, ...]",
                        "requestBody": [
                            "required": true,
                            "content": [
                                "application/json": ["schema": ["type": "object", "required": ["data"], "properties": ["data": input]]]
                            ],
                        ],
                        "responses": [
                            "200": [
                                "description": "Model output",
                                "content": ["application/json": ["schema": ["type": "object", "properties": ["result": output]]]],
                            ],
                            "400": ["description": "Malformed JSON or wrong shape"], "401": ["description": "Missing or wrong key"],
                            "413": ["description": "Body too large"],
                            "503": ["description": "Busy: waited longer than max_request_wait_time"],
                        ],
                    ]
                ],
            ],
        ]
        return (try? JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])) ?? Data()
    }
}

/// Closes a connection accepted while `limit` are already open (the count shared by every
/// connection of one server).
final class ConnectionCap: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    final class Counter: Sendable {
        let open = Atomic<Int>(0)
    }

    let counter: Counter
    let limit: Int
    /// Whether this connection was counted (touched on its event loop only).
    private let counted = Atomic<Bool>(false)

    init(counter: Counter, limit: Int) {
        self.counter = counter
        self.limit = limit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { release() }

    private func admit(_ context: ChannelHandlerContext) {
        guard !counted.exchange(true, ordering: .relaxed) else { return }
        let n = counter.open.wrappingAdd(1, ordering: .relaxed).newValue
        if n > limit { context.close(promise: nil) }
    }

    private func release() {
        if counted.exchange(false, ordering: .relaxed) { counter.open.wrappingSubtract(1, ordering: .relaxed) }
    }
}
