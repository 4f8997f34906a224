import Foundation
import Hummingbird
import Inference
import Logging
import NIOCore
import ServiceLifecycle

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
            if let length = request.headers[.contentLength].flatMap(Int.init), length > config.maxBodyBytes {
                return Self.json(.contentTooLarge, ["error": "body of \(length) bytes exceeds the limit of \(config.maxBodyBytes)"])
            }
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: config.maxBodyBytes)
            } catch {
                return Self.json(.contentTooLarge, ["error": "body exceeds the limit of \(config.maxBodyBytes) bytes"])
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
        return Application(
            router: router, configuration: .init(address: .hostname(config.host, port: config.port), serverName: "deploy-advisor"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? config.port) }, logger: logger)
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
